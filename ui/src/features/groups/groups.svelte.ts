// The Groups screen's state: the cached groups (read again after each sync, as every
// console gets a write through the feed), with this console's own writes shown over them
// until that sync brings them (`overlay`). Writes are the server's now, never queued:
// offline, the form says so and keeps what was typed.
import { api, toApiError } from '../../lib/api';
import type { ApiError, Group, GroupInput } from '../../lib/bindings';
import { overlay } from './groups';

type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

/** A request from the command palette ("New group"): set, then taken by the screen when
 * it shows, whether it was open or not. */
export const groupsRequests = $state({ newGroup: false });

export interface GroupChange {
  kind: 'created' | 'saved' | 'deleted';
  group: Group;
}

export class GroupsState {
  /** The cache with this console's writes over it. */
  records = $state.raw<readonly Group[]>([]);
  status = $state<LoadStatus>('idle');
  error = $state.raw<ApiError | null>(null);
  /** The last write, for the screen to announce. */
  lastChange = $state.raw<GroupChange | null>(null);
  private cached: readonly Group[] = [];
  private written = new Map<string, Group | null>();
  private token = 0;

  async load(): Promise<void> {
    const token = ++this.token;
    if (this.records.length === 0 && this.status !== 'ready') this.status = 'loading';
    try {
      const cached = await api.groups();
      if (token !== this.token) return;
      this.cached = cached;
      this.show();
      this.status = 'ready';
      this.error = null;
    } catch (e) {
      if (token !== this.token) return;
      this.error = toApiError(e);
      this.status = 'error';
    }
  }

  private show(): void {
    const { list, settled } = overlay(this.cached, this.written);
    for (const id of settled) this.written.delete(id);
    this.records = list;
  }

  /** Creates (`created`) or replaces a group; null when stored, else the server's refusal. */
  async save(id: string, input: GroupInput, created: boolean): Promise<ApiError | null> {
    try {
      const stored = await api.adminPutGroup(id, input);
      this.written.set(stored.id, stored);
      this.show();
      this.lastChange = { kind: created ? 'created' : 'saved', group: stored };
      return null;
    } catch (e) {
      return toApiError(e);
    }
  }

  async remove(group: Group): Promise<ApiError | null> {
    try {
      await api.adminDeleteGroup(group.id);
      this.written.set(group.id, null);
      this.show();
      this.lastChange = { kind: 'deleted', group };
      return null;
    } catch (e) {
      return toApiError(e);
    }
  }
}
