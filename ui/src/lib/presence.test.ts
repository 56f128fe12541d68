// Presence on the open ticket against a scripted announce: what is said when, and which
// answers are shown.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import type { PresenceEntry, PresenceState } from './bindings';

vi.mock('./api', () => ({ api: {}, toApiError: (e: unknown) => e }));

const { composerPresence, Presence, PRESENCE_POLL_MS } = await import('./presence.svelte');

const lina: PresenceEntry = { agent_id: 'a-lina', agent_name: '李娜', state: 'replying' };

function scripted(online = true) {
  const said: [string, PresenceState | null][] = [];
  const answers: ((others: PresenceEntry[]) => void)[] = [];
  const state = { online };
  const presence = new Presence({
    announce: (ticketId, s) => {
      said.push([ticketId, s]);
      return new Promise((resolve) => answers.push(resolve));
    },
    online: () => state.online,
  });
  return { presence, said, answers, state };
}

describe('composerPresence', () => {
  test('replying while the composer has focus or a draft, else viewing', () => {
    expect(composerPresence(false, '')).toBe('viewing');
    expect(composerPresence(false, '  \n')).toBe('viewing');
    expect(composerPresence(true, '')).toBe('replying');
    expect(composerPresence(false, '您好')).toBe('replying');
  });
});

describe('Presence', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  test('announces on open, refreshes while open, and leaves on close', async () => {
    const { presence, said, answers } = scripted();
    presence.open('t1');
    expect(said, 'opening announces viewing at once').toEqual([['t1', 'viewing']]);
    answers[0]!([lina]);
    await vi.waitFor(() => expect(presence.others).toEqual([lina]));
    vi.advanceTimersByTime(PRESENCE_POLL_MS);
    expect(said.at(-1), 'refreshed inside the server TTL').toEqual(['t1', 'viewing']);
    presence.set('replying');
    expect(said.at(-1), 'a change is announced at once').toEqual(['t1', 'replying']);
    presence.set('replying');
    const count = said.length;
    presence.open(null);
    expect(said.slice(count), 'closing leaves').toEqual([['t1', null]]);
    expect(presence.others, 'no ticket, nobody shown').toEqual([]);
    vi.advanceTimersByTime(PRESENCE_POLL_MS * 3);
    expect(said.length, 'no refresh once closed').toBe(count + 1);
  });

  test('switching tickets announces the new one and drops answers about the old', async () => {
    const { presence, said, answers } = scripted();
    presence.open('t1');
    presence.open('t2');
    expect(said, 'the new announcement replaces the old on the server; no leave').toEqual([
      ['t1', 'viewing'],
      ['t2', 'viewing'],
    ]);
    answers[0]!([lina]);
    answers[1]!([]);
    await vi.advanceTimersByTimeAsync(0);
    expect(presence.others, "who was on t1 is not shown on t2").toEqual([]);
  });

  test('offline it says nothing and shows nobody; failures are quiet', async () => {
    const { presence, said, state } = scripted(false);
    presence.open('t1');
    vi.advanceTimersByTime(PRESENCE_POLL_MS);
    expect(said, 'offline, no call waits for a timeout').toEqual([]);
    state.online = true;
    const failing = new Presence({ announce: () => Promise.reject({ code: 'internal' }), online: () => true });
    failing.open('t1');
    await vi.advanceTimersByTimeAsync(PRESENCE_POLL_MS);
    expect(failing.others, 'a failed announcement shows nobody and throws nothing').toEqual([]);
    failing.open(null);
    presence.open(null);
  });
});
