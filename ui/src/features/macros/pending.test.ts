import { describe, expect, test } from 'vitest';
import type { MacroAction } from '../../lib/bindings';
import { loadDraft, saveDraft } from '../../lib/drafts';
import { frameReplyAndEdit } from '../../lib/frame';
import { FakeShell } from '../../../test/harness/fake-shell';
import { actionLabel, addActions, removeAction, splitActions } from './pending';

const GUIDE: MacroAction = { type: 'add_tags', tags: ['guide', ' ', 'tron'] };

describe('pending macro actions', () => {
  test('a tag action becomes one entry per tag, so each can be removed alone', () => {
    expect(splitActions([{ type: 'set_status', status: 'pending_customer' }, GUIDE])).toEqual([
      { type: 'set_status', status: 'pending_customer' },
      { type: 'add_tags', tags: ['guide'] },
      { type: 'add_tags', tags: ['tron'] },
    ]);
  });

  test('a later macro replaces what an earlier one set on the same thing, as from_macro_actions resolves it', () => {
    let pending = addActions([], [{ type: 'set_status', status: 'pending_customer' }, GUIDE]);
    pending = addActions(pending, [
      { type: 'set_status', status: 'solved' },
      { type: 'remove_tags', tags: ['guide'] },
    ]);
    expect(pending, 'one status, the last; the tag removed rather than added').toEqual([
      { type: 'add_tags', tags: ['tron'] },
      { type: 'set_status', status: 'solved' },
      { type: 'remove_tags', tags: ['guide'] },
    ]);
    expect(removeAction(pending, 0)).toEqual(pending.slice(1));
  });

  test('chips read in both languages', () => {
    const status: MacroAction = { type: 'set_status', status: 'pending_customer' };
    expect(actionLabel(status, 'en')).toBe('Status → Pending customer');
    expect(actionLabel(status, 'zh-CN')).toBe('状态 → 等待客户');
    expect(actionLabel({ type: 'add_tags', tags: ['guide'] }, 'en')).toBe('Tag +guide');
    expect(actionLabel({ type: 'remove_tags', tags: ['guide'] }, 'zh-CN')).toBe('标签 −guide');
    expect(actionLabel({ type: 'set_priority', priority: 'high' }, 'zh-CN')).toBe('优先级 → 高');
    expect(actionLabel({ type: 'set_category', category: 'security' }, 'en')).toBe('Category → Security');
  });

  test('a draft keeps its pending actions, and drops malformed ones', () => {
    const store = new Map<string, string>();
    const storage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k),
    };
    const actions: MacroAction[] = [
      { type: 'set_status', status: 'pending_customer' },
      { type: 'add_tags', tags: ['guide'] },
    ];
    saveDraft(storage, 'k', { body: '您好', internal: false, actions });
    expect(loadDraft(storage, 'k'), 'switching tickets keeps what the macro will do').toEqual({ body: '您好', internal: false, actions });
    const malformed = [{ type: 'set_status', status: 'sideways' }, { type: 'add_tags', tags: [1] }, 'x'];
    store.set('k', JSON.stringify({ body: 'x', internal: false, actions: malformed }));
    expect(loadDraft(storage, 'k')).toEqual({ body: 'x', internal: false });
    saveDraft(storage, 'k', { body: ' ', internal: false, actions });
    expect(loadDraft(storage, 'k'), 'an emptied composer leaves nothing behind').toBeNull();
  });
});

describe('the fake shell keeps to the reply_and_edit contract', () => {
  test('the reply and the edit are applied together', () => {
    const shell = new FakeShell({ signedIn: true });
    const made = shell.handle(
      'reply_and_edit',
      frameReplyAndEdit(
        't-1042',
        '请在 App 中确认',
        false,
        [
          { type: 'set_status', status: 'pending_customer' },
          { type: 'add_tags', tags: ['guide'] },
        ],
        [],
      ),
    ) as { op: { type: string } }[];
    expect(made.map((m) => m.op.type)).toEqual(['reply', 'add_tags', 'set_status']);
    const t = shell.data.tickets.find((x) => x.id === 't-1042')!;
    expect([t.status, t.tags]).toEqual(['pending_customer', ['等待确认', '提币', 'guide']]);
    expect(shell.outboxEntries).toHaveLength(3);
  });

  test('a refused action leaves the ticket, the conversation and the outbox as they were', () => {
    const shell = new FakeShell({ signedIn: true });
    const before = structuredClone(shell.data.tickets.find((x) => x.id === 't-1042')!);
    const messages = shell.data.messages.length;
    const refused: MacroAction[] = [
      { type: 'add_tags', tags: ['guide'] },
      { type: 'set_status', status: 'new' },
    ];
    expect(() => shell.handle('reply_and_edit', frameReplyAndEdit('t-1042', '稍等', false, refused, []))).toThrow(
      expect.objectContaining({ code: 'conflict' }),
    );
    expect(shell.data.tickets.find((x) => x.id === 't-1042')).toEqual(before);
    expect(shell.data.messages).toHaveLength(messages);
    expect(shell.outboxEntries).toEqual([]);
    expect(() => shell.handle('reply_and_edit', frameReplyAndEdit('t-1021', '您好', false, [], [])), 'a closed ticket takes no reply').toThrow(
      expect.objectContaining({ code: 'conflict' }),
    );
  });
});
