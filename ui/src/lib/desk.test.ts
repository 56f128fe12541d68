// The console controller against a scripted API: stale answers, bursts of events,
// selection across refreshes, sign-out by the shell.
import { beforeEach, describe, expect, test, vi } from 'vitest';
import type { InboxView, SessionState, TicketSummary, ViewCounts } from './bindings';

interface Pending<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

const calls: { cmd: string; args: unknown[]; pending: Pending<unknown> }[] = [];

function deferred(cmd: string, args: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => calls.push({ cmd, args, pending: { resolve, reject } }));
}

vi.mock('./api', () => ({
  toApiError: (e: unknown) => e,
  api: {
    sessionState: () => deferred('session_state', []),
    signIn: (...a: unknown[]) => deferred('sign_in', a),
    signOut: () => deferred('sign_out', []),
    syncNow: () => deferred('sync_now', []),
    listTickets: (...a: unknown[]) => deferred('list_tickets', a),
    viewCounts: () => deferred('view_counts', []),
    getTicket: (...a: unknown[]) => deferred('get_ticket', a),
    reply: (...a: unknown[]) => deferred('reply', a),
    bulkEdit: (...a: unknown[]) => deferred('bulk_edit', a),
    // Answered at once: these tests are about the list, counts and the open ticket.
    slaCounts: async () => ({ at_risk: 0, breached: 0 }),
    incidents: async () => [],
    outbox: async () => [],
    agents: async () => [],
    groups: async () => [],
    onSessionChanged: async () => () => {},
  },
}));

const { Desk } = await import('./desk.svelte');

const signedIn: SessionState = {
  revision: 1,
  signed_in: true,
  server_url: 'http://127.0.0.1:8080',
  agent: { id: 'a1', name: 'Chen Jing', email: 'c@x', role: 'agent', languages: [], groups: [], skills: [], capacity: null },
  connectivity: 'online',
  last_synced_at: 1,
  last_error: null,
  cached_tickets: 3,
  outbox: { pending: 0, held: 0, rejected: 0 },
  cache_reset: null,
  capabilities: [],
};

const counts: ViewCounts = { open: 3, mine: 1, unassigned: 1, awaiting_confirmation: 1, all: 4 };

function row(id: string): TicketSummary {
  return {
    id,
    number: null,
    subject: id,
    customer_name: 'c',
    customer_tier: null,
    channel: 'chat',
    status: 'open',
    priority: 'normal',
    category: 'other',
    language: 'en',
    tags: [],
    assignee_name: null,
    preview: '',
    last_message_at: 0,
    sla_due_at: null,
  };
}

/** Answer the oldest unanswered call of `cmd`. */
async function answer(cmd: string, value: unknown, which: 'first' | 'last' = 'first'): Promise<unknown[]> {
  const matching = calls.filter((c) => c.cmd === cmd);
  const call = which === 'first' ? matching[0] : matching.at(-1);
  if (!call) throw new Error(`no pending ${cmd}`);
  calls.splice(calls.indexOf(call), 1);
  call.pending.resolve(value);
  await new Promise((r) => setTimeout(r, 0));
  return call.args;
}

async function fail(cmd: string, error: unknown): Promise<void> {
  const call = calls.find((c) => c.cmd === cmd);
  if (!call) throw new Error(`no pending ${cmd}`);
  calls.splice(calls.indexOf(call), 1);
  call.pending.reject(error);
  await new Promise((r) => setTimeout(r, 0));
}

const pendingOf = (cmd: string) => calls.filter((c) => c.cmd === cmd).length;

beforeEach(() => {
  calls.length = 0;
});

async function signedInDesk(rows: string[] = ['a', 'b', 'c']) {
  const desk = new Desk();
  desk.applySession(signedIn);
  await answer('view_counts', counts);
  await answer('list_tickets', rows.map(row));
  return desk;
}

describe('Desk', () => {
  test('signing in loads counts and the current view, and selects the first row', async () => {
    const desk = await signedInDesk();
    expect(desk.counts).toEqual(counts);
    expect(desk.tickets.map((t) => t.id)).toEqual(['a', 'b', 'c']);
    expect(desk.selectedId).toBe('a');
    expect(desk.listStatus).toBe('ready');
  });

  test('a long view is drawn from its first page and grows only as it is scrolled or filtered', async () => {
    const { FIRST_PAGE, LIST_LIMIT } = await import('./desk.svelte');
    const desk = new Desk();
    desk.applySession(signedIn);
    await answer('view_counts', counts);
    const page = Array.from({ length: FIRST_PAGE }, (_, i) => row(`t${i}`));
    const [, firstLimit] = await answer('list_tickets', page);
    expect(firstLimit, 'a first page, not the whole view').toBe(FIRST_PAGE);
    expect(desk.listStatus, 'the first page is shown at once').toBe('ready');
    expect(desk.listComplete, "its length is not the view's count").toBe(false);
    expect(pendingOf('list_tickets'), 'nothing more is loaded behind it').toBe(0);

    desk.needRows(20);
    expect(pendingOf('list_tickets'), 'the top of the list needs no more rows').toBe(0);
    desk.needRows(FIRST_PAGE - 10);
    const more = Array.from({ length: FIRST_PAGE * 10 }, (_, i) => row(`t${i}`));
    const [, grown] = await answer('list_tickets', more);
    expect(grown, 'near the end, ten times as many').toBe(FIRST_PAGE * 10);
    expect(desk.tickets.length).toBe(FIRST_PAGE * 10);
    expect(desk.listComplete).toBe(false);
    expect(desk.selectedId, 'the selection stays on the first row').toBe('t0');

    desk.setFilter('older');
    const [, whole] = await answer('list_tickets', [...more, row('older')]);
    expect(whole, 'a filter narrows the whole view').toBe(LIST_LIMIT);
    expect(desk.listComplete).toBe(true);
    expect(desk.visible.map((t) => t.id)).toContain('older');
    desk.needRows(FIRST_PAGE * 10);
    expect(pendingOf('list_tickets'), 'a complete view asks for nothing more').toBe(0);
  });

  test('the last row asked for (End) is the view\'s, not its first page\'s', async () => {
    const { FIRST_PAGE } = await import('./desk.svelte');
    const desk = new Desk();
    desk.applySession(signedIn);
    await answer('view_counts', counts);
    await answer('list_tickets', Array.from({ length: FIRST_PAGE }, (_, i) => row(`t${i}`)));
    desk.selectEdge('last');
    await answer('list_tickets', [...Array.from({ length: FIRST_PAGE }, (_, i) => row(`t${i}`)), row('oldest')]);
    await new Promise((r) => setTimeout(r, 0));
    expect(desk.selectedId).toBe('oldest');
  });

  test('a late answer for the previous view never replaces the current one', async () => {
    const desk = await signedInDesk();
    desk.setView('mine');
    desk.setView('unassigned');
    const [first] = (await answer('list_tickets', [row('unassigned-1')], 'last')) as [InboxView];
    expect(first).toBe('unassigned');
    await answer('list_tickets', [row('mine-1')]); // the slow, stale one
    expect(desk.view).toBe('unassigned');
    expect(desk.tickets.map((t) => t.id)).toEqual(['unassigned-1']);
  });

  test('a burst of session-changed events costs at most one extra refresh', async () => {
    const desk = await signedInDesk();
    for (let i = 0; i < 5; i++) desk.applySession({ ...signedIn, cached_tickets: 10 + i });
    expect(pendingOf('list_tickets')).toBe(1);
    await answer('view_counts', counts);
    await answer('list_tickets', ['a', 'b', 'c'].map(row));
    expect(pendingOf('list_tickets'), 'one coalesced follow-up round').toBe(1);
    await answer('view_counts', counts);
    await answer('list_tickets', ['a', 'b', 'c'].map(row));
    expect(pendingOf('list_tickets')).toBe(0);
    expect(desk.session?.cached_tickets).toBe(14);
  });

  test('a refresh keeps the selected ticket even when rows shift', async () => {
    const desk = await signedInDesk();
    desk.move(1);
    expect(desk.selectedId).toBe('b');
    desk.applySession(signedIn);
    await answer('view_counts', counts);
    await answer('list_tickets', ['new', 'a', 'b', 'c'].map(row));
    expect(desk.selectedId).toBe('b');
  });

  test('the open ticket is reloaded quietly on refresh; a vanished one says not found', async () => {
    const desk = await signedInDesk();
    desk.open('b');
    expect(desk.detailStatus).toBe('loading');
    expect(await answer('get_ticket', { ticket: { id: 'b' } })).toEqual(['b']);
    expect(desk.detailStatus).toBe('ready');

    desk.applySession(signedIn);
    expect(desk.detailStatus, 'no spinner over a ticket being re-read').toBe('ready');
    await fail('get_ticket', { code: 'not_found', message: 'ticket b not found' });
    expect(desk.detailStatus).toBe('error');
    expect(desk.detailError?.code).toBe('not_found');
  });

  test('when the shell signs us out (session expired) the console is cleared and the reason kept', async () => {
    const desk = await signedInDesk();
    desk.open('a');
    desk.applySession({
      ...signedIn,
      revision: signedIn.revision + 1,
      signed_in: false,
      agent: null,
      last_error: { code: 'session_expired', message: 'refresh token revoked' },
    });
    expect(desk.sessionEnded).toBe(true);
    expect(desk.tickets).toEqual([]);
    expect(desk.openId).toBeNull();
    // The pending detail answer arrives late and must not resurrect anything.
    await answer('get_ticket', { ticket: { id: 'a' } });
    expect(desk.detail).toBeNull();
  });

  test('the filter narrows the visible rows and moves the selection onto them', async () => {
    const desk = await signedInDesk(['alpha', 'beta', 'gamma']);
    desk.move(2);
    desk.setFilter('beta');
    expect(desk.visible.map((t) => t.id)).toEqual(['beta']);
    expect(desk.selectedId).toBe('beta');
    desk.setFilter('');
    expect(desk.visible.length).toBe(3);
  });

  test('a sign-in error reaches the caller with its code', async () => {
    const desk = new Desk();
    const rejected = expect(desk.signIn('http://x', 'a@b', 'pw')).rejects.toMatchObject({ code: 'invalid_credentials' });
    await fail('sign_in', { code: 'invalid_credentials', message: 'wrong password' });
    await rejected;
    expect(desk.session).toBeNull();
  });

  test('a late answer carrying an older session state never overwrites a newer one', async () => {
    const desk = await signedInDesk();
    // The post-sync event (newer) lands before the sign-in command's own answer (older).
    desk.applySession({ ...signedIn, revision: 7, cached_tickets: 80, last_synced_at: 2 });
    desk.applySession({ ...signedIn, revision: 6, cached_tickets: 0, last_synced_at: null });
    expect(desk.session?.cached_tickets).toBe(80);
    expect(desk.session?.last_synced_at).toBe(2);
  });

  test('a refused reply becomes a notice with its code; the composer is told it was not queued', async () => {
    const desk = await signedInDesk();
    const queued = desk.reply('a', '请提供助记词', false);
    expect(pendingOf('reply')).toBe(1);
    await fail('reply', { code: 'blocked', message: 'the reply asks for a seed phrase' });
    expect(await queued).toBe(false);
    expect(desk.notice).toEqual({ kind: 'error', action: 'reply', error: { code: 'blocked', message: 'the reply asks for a seed phrase' } });
  });

  test('a bulk edit goes to the checked tickets in the order picked, and its outcome is shown', async () => {
    const desk = await signedInDesk(['a', 'b', 'c', 'd']);
    desk.toggleChecked('c');
    desk.checkRange('a');
    expect(desk.checked).toEqual(['c', 'a', 'b']);
    const done = desk.bulkEdit({ add_tags: ['incident-7'] });
    const [ids, edit] = (await answer('bulk_edit', { edited: 3, failed: [] })) as [string[], { add_tags: string[]; status: null }];
    expect(ids).toEqual(['c', 'a', 'b']);
    expect(edit.add_tags).toEqual(['incident-7']);
    expect(edit.status, 'unset fields are sent empty').toBeNull();
    await answer('view_counts', counts);
    await answer('list_tickets', ['a', 'b', 'c', 'd'].map(row));
    await done;
    expect(desk.notice).toEqual({ kind: 'bulk', outcome: { edited: 3, failed: [] } });
  });
});
