// The Groups screen's state: the cached groups, read and written as the Macros and
// Articles screens read and write theirs (RecordsState: read again after each sync, as
// every console gets a write through the feed, with this console's own writes shown over
// them until that sync brings them). Writes are the server's now, never queued: offline,
// the form says so and keeps what was typed.
import { api } from '../../lib/api';
import type { Group, GroupInput } from '../../lib/bindings';
import { RecordsState } from '../knowledge/knowledge.svelte';

/** A request from the command palette ("New group"): set, then taken by the screen when
 * it shows, whether it was open or not. */
export const groupsRequests = $state({ newGroup: false });

export class GroupsState extends RecordsState<Group, GroupInput> {
  constructor() {
    super({ read: api.groups, put: api.adminPutGroup, remove: api.adminDeleteGroup });
  }
}
