// A macro's actions (set status, priority, category; add or remove tags) waiting in the
// composer to be applied with the reply they were inserted into. Pure: the composer keeps
// the list, shows each entry as a removable chip and sends it with the reply
// (`reply_and_edit`, where desk-core's `TicketEdit::from_macro_actions` turns it into the
// edit queued with the reply).
import type { MacroAction } from '../../lib/bindings';
import type { Locale, MessageKey } from '../../lib/i18n';
import { translate } from '../../lib/i18n';

/** One effect per entry: a tag action carries one tag, so each chip removes one thing. */
export function splitActions(actions: readonly MacroAction[]): MacroAction[] {
  return actions.flatMap((a): MacroAction[] => {
    if (a.type !== 'add_tags' && a.type !== 'remove_tags') return [{ ...a }];
    return a.tags
      .map((tag) => tag.trim())
      .filter((tag) => tag !== '')
      .map((tag) => ({ type: a.type, tags: [tag] }));
  });
}

/** What an action sets: a later action on the same thing replaces an earlier one, as
 * `TicketEdit::from_macro_actions` resolves them (the last status wins; adding a tag
 * undoes removing it, and the other way round). */
function slot(a: MacroAction): string {
  switch (a.type) {
    case 'set_status':
      return 'status';
    case 'set_priority':
      return 'priority';
    case 'set_category':
      return 'category';
    case 'add_tags':
    case 'remove_tags':
      return `tag:${a.tags[0] ?? ''}`;
  }
}

/** The pending actions after inserting a macro with `actions`: each replaces a pending one
 * on the same thing and goes last, so the list reads in the order things will happen and
 * shows only what will happen. */
export function addActions(pending: readonly MacroAction[], actions: readonly MacroAction[]): MacroAction[] {
  let out = [...pending];
  for (const action of splitActions(actions)) {
    out = out.filter((p) => slot(p) !== slot(action));
    out.push(action);
  }
  return out;
}

export function removeAction(pending: readonly MacroAction[], index: number): MacroAction[] {
  return pending.filter((_, i) => i !== index);
}

/** A stable key for a chip in a keyed list. */
export function actionKey(a: MacroAction): string {
  return `${a.type}:${slot(a)}`;
}

/** What a chip says: "Status → Pending customer", "Tag +guide". */
export function actionLabel(a: MacroAction, locale: Locale): string {
  const t = (key: MessageKey, params?: Record<string, string>) => translate(locale, key, params);
  switch (a.type) {
    case 'set_status':
      return t('macro_actions.status', { value: t(`status.${a.status}`) });
    case 'set_priority':
      return t('macro_actions.priority', { value: t(`priority.${a.priority}`) });
    case 'set_category':
      return t('macro_actions.category', { value: t(`category.${a.category}`) });
    case 'add_tags':
      return t('macro_actions.add_tag', { tag: a.tags.join(', ') });
    case 'remove_tags':
      return t('macro_actions.remove_tag', { tag: a.tags.join(', ') });
  }
}
