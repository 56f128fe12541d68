import { describe, expect, test } from 'vitest';
import type { Message, SessionState, SyncProgress, TicketSummary } from './bindings';
import {
  canTake,
  confirmationProgress,
  conversationOrder,
  directionSign,
  filterTickets,
  groupDigits,
  initials,
  isFirstSync,
  languageName,
  languageShort,
  moveSelection,
  progressPercent,
  reconcileSelection,
  shortHash,
  ticketNumber,
} from './viewmodel';

function summary(id: string, subject: string, customer: string, number: number | null): TicketSummary {
  return {
    id,
    number,
    subject,
    customer_name: customer,
    customer_tier: null,
    channel: 'email',
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

describe('formatting', () => {
  test('ticket numbers', () => {
    expect(ticketNumber(1234)).toBe('#1234');
    expect(ticketNumber(null)).toBeNull();
  });

  test('short hashes keep both ends', () => {
    expect(shortHash('0x9f2c4b7e1a3d5c6b8e0f2a4c6e8b0d2f4a6c8e0b')).toBe('0x9f2c…8e0b');
    expect(shortHash('abc')).toBe('abc');
  });

  test('digit grouping never goes through a float', () => {
    expect(groupDigits('250000.00')).toBe('250,000.00');
    expect(groupDigits('1234567.123456789012345678')).toBe('1,234,567.123456789012345678');
    expect(groupDigits('0.0421')).toBe('0.0421');
    expect(groupDigits('999')).toBe('999');
    expect(groupDigits('-1000')).toBe('-1,000');
    expect(groupDigits('not a number')).toBe('not a number');
  });

  test('direction signs', () => {
    expect(directionSign('deposit')).toBe('+');
    expect(directionSign('withdrawal')).toBe('−');
    expect(directionSign('transfer')).toBe('');
  });

  test('confirmation progress is clamped', () => {
    expect(confirmationProgress({ confirmations: 8, required_confirmations: 12 })).toBeCloseTo(2 / 3);
    expect(confirmationProgress({ confirmations: 30, required_confirmations: 12 })).toBe(1);
    expect(confirmationProgress({ confirmations: 0, required_confirmations: 0 })).toBe(1);
  });

  test('initials for Latin and Han names', () => {
    expect(initials('Emily Carter')).toBe('EC');
    expect(initials('Marcus von Bauer')).toBe('MB');
    expect(initials('omar')).toBe('O');
    expect(initials('王磊')).toBe('王');
    expect(initials('  ')).toBe('?');
  });

  test('language labels', () => {
    expect(languageShort('zh-CN')).toBe('ZH');
    expect(languageShort('en')).toBe('EN');
    expect(languageName('zh-CN', 'en')).toBe('Chinese (China)');
    expect(languageName('en', 'zh-CN')).toBe('英语');
    expect(languageName('not a tag!', 'en')).toBe('not a tag!');
  });
});

describe('filterTickets', () => {
  const list = [
    summary('a', '提币一直显示等待确认', '王磊', 1042),
    summary('b', 'Deposit not showing', 'Emily Carter', 1041),
    summary('c', 'Lost 2FA', 'emily stone', null),
  ];

  test('matches subject, customer and number, case-insensitively', () => {
    expect(filterTickets(list, '等待确认').map((t) => t.id)).toEqual(['a']);
    expect(filterTickets(list, 'EMILY').map((t) => t.id)).toEqual(['b', 'c']);
    expect(filterTickets(list, '#1041').map((t) => t.id)).toEqual(['b']);
    expect(filterTickets(list, '1042').map((t) => t.id)).toEqual(['a']);
  });

  test('every term must match', () => {
    expect(filterTickets(list, 'emily deposit').map((t) => t.id)).toEqual(['b']);
  });

  test('an empty query returns the list itself', () => {
    expect(filterTickets(list, '   ')).toBe(list);
  });
});

describe('selection', () => {
  const list = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];

  test('moves by delta and stops at the ends', () => {
    expect(moveSelection(list, 'a', 1)).toBe('b');
    expect(moveSelection(list, 'c', 1)).toBe('c');
    expect(moveSelection(list, 'a', -1)).toBe('a');
    expect(moveSelection(list, null, 1)).toBe('a');
    expect(moveSelection(list, 'gone', -1)).toBe('a');
    expect(moveSelection([], 'a', 1)).toBeNull();
  });

  test('survives a refresh: same ticket if present, else the row in its place', () => {
    expect(reconcileSelection(list, 'b', 1)).toBe('b');
    expect(reconcileSelection([{ id: 'a' }, { id: 'c' }], 'b', 1)).toBe('c');
    expect(reconcileSelection([{ id: 'a' }], 'b', 5)).toBe('a');
    expect(reconcileSelection(list, null, 0)).toBe('a');
    expect(reconcileSelection([], 'a', 0)).toBeNull();
  });
});

describe('conversationOrder', () => {
  test('oldest first, stable for equal times', () => {
    const m = (id: string, created_at: number) => ({ id, created_at }) as Message;
    expect(conversationOrder([m('c', 3), m('a', 1), m('b1', 2), m('b2', 2)]).map((x) => x.id)).toEqual(['a', 'b1', 'b2', 'c']);
  });
});

describe('first sync', () => {
  const signedIn: SessionState = {
    revision: 1,
    signed_in: true,
    server_url: 'http://127.0.0.1:8080',
    agent: null,
    connectivity: 'online',
    last_synced_at: null,
    last_error: null,
    cached_tickets: 0,
    outbox: { pending: 0, held: 0, rejected: 0 },
    cache_reset: null,
  capabilities: [],
  };
  const step = (phase: SyncProgress['phase'], bootstrap = true): SyncProgress => ({
    phase,
    bootstrap,
    done: 10,
    total: 40,
  });

  test('shows while a bootstrap receives or prepares, not after', () => {
    expect(isFirstSync(signedIn, step('receiving'))).toBe(true);
    expect(isFirstSync(signedIn, step('preparing'))).toBe(true);
    expect(isFirstSync(signedIn, step('done')), 'the inbox is usable once done').toBe(false);
    expect(isFirstSync(signedIn, step('indexing', false)), 'search catches up behind the inbox').toBe(false);
    expect(isFirstSync(signedIn, step('receiving', false)), 'an incremental sync keeps the inbox').toBe(false);
  });

  test('a fresh sign-in waits for its first report; a failed or offline one shows the inbox', () => {
    expect(isFirstSync(signedIn, null)).toBe(true);
    expect(isFirstSync({ ...signedIn, last_error: { code: 'offline', message: 'down' } }, null)).toBe(false);
    expect(isFirstSync({ ...signedIn, connectivity: 'offline' }, null)).toBe(false);
    expect(isFirstSync({ ...signedIn, last_synced_at: 1, cached_tickets: 5 }, null), 'a synced cache opens on its inbox').toBe(false);
    expect(isFirstSync({ ...signedIn, signed_in: false }, step('receiving')), 'never on the sign-in screen').toBe(false);
  });

  test('percent rounds down and reaches 100 only when done', () => {
    expect(progressPercent({ done: 1, total: 3 })).toBe(33);
    expect(progressPercent({ done: 999, total: 1000 })).toBe(99);
    expect(progressPercent({ done: 5, total: 5 })).toBe(100);
    expect(progressPercent({ done: 7, total: 5 }), 'a stale total never shows over 100%').toBe(100);
    expect(progressPercent({ done: 0, total: 0 })).toBe(100);
    expect(progressPercent({ done: 3, total: null })).toBeNull();
  });
});

describe('canTake', () => {
  test('an agent with groups takes only their tickets and ungrouped ones; others take all', () => {
    const lin = { role: 'agent' as const, groups: ['cn-support'] };
    expect(canTake(lin, 'cn-support')).toBe(true);
    expect(canTake(lin, null)).toBe(true);
    expect(canTake(lin, 'vip-desk')).toBe(false);
    expect(canTake({ role: 'agent', groups: [] }, 'vip-desk')).toBe(true);
    expect(canTake({ role: 'supervisor', groups: ['cn-support'] }, 'vip-desk')).toBe(true);
  });
});
