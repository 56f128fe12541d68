// The outbox view's model: entries grouped so work waiting on the agent (held, rejected)
// comes first. Pure.
import type { Agent, MutationOp, OutboxEntry, OutboxState } from './bindings';
import type { MessageKey, Params } from './i18n';

export const OUTBOX_ORDER: readonly OutboxState[] = ['held', 'rejected', 'pending'];

export function groupOutbox(entries: readonly OutboxEntry[]): { state: OutboxState; entries: OutboxEntry[] }[] {
  return OUTBOX_ORDER.map((state) => ({ state, entries: entries.filter((e) => e.state === state) })).filter(
    (g) => g.entries.length > 0,
  );
}

/** The label of an action, as a key and params for `t` (values themselves translated by
 * the caller's `label` for enum values, a group's id named by `groupName`). */
export function describeOp(
  op: MutationOp,
  agents: readonly Agent[],
  label: (key: MessageKey) => string,
  groupName: (id: string) => string = (id) => id,
): { key: MessageKey; params?: Params } {
  switch (op.type) {
    case 'reply':
    case 'note':
    case 'claim':
    case 'delete_ticket':
    case 'create_ticket':
      return { key: `op.${op.type}` };
    case 'set_status':
      return { key: 'op.set_status', params: { value: label(`status.${op.status}`) } };
    case 'set_priority':
      return { key: 'op.set_priority', params: { value: label(`priority.${op.priority}`) } };
    case 'set_category':
      return { key: 'op.set_category', params: { value: label(`category.${op.category}`) } };
    case 'set_group':
      return { key: 'op.set_group', params: { value: op.group === null ? label('edit.no_group') : groupName(op.group) } };
    case 'assign': {
      const name = op.assignee_id === null ? label('edit.nobody') : (agents.find((a) => a.id === op.assignee_id)?.name ?? op.assignee_id);
      return { key: 'op.assign', params: { value: name } };
    }
    case 'add_tags':
    case 'remove_tags':
      return { key: `op.${op.type}`, params: { value: op.tags.join(', ') } };
    case 'retry_delivery':
      return op.recipient === null
        ? { key: 'op.retry_delivery' }
        : { key: 'op.retry_delivery_to', params: { value: op.recipient } };
  }
}

/** The text of a queued reply or note, for the entry's preview and the edit box. */
export function opBody(op: MutationOp): string | null {
  return op.type === 'reply' || op.type === 'note' ? op.body_text : null;
}
