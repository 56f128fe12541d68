import { describe, expect, test } from 'vitest';
import type { Delivery, MutationOp, OutboxEntry } from '../../lib/bindings';
import { unsentMessages } from '../../lib/desk.svelte';
import { translate, type Locale } from '../../lib/i18n';
import { describeOp } from '../../lib/outbox';
import { FakeShell } from '../../../test/harness/fake-shell';
import { canChangeAddress, canRetry, deliveryLine, formatClock, plausibleEmail } from './delivery';

// 2026-03-05 14:05 local time: the clock the retry time is read on.
const AT = new Date(2026, 2, 5, 14, 5).getTime();

function delivery(over: Partial<Delivery> = {}): Delivery {
  return {
    id: 'r1',
    ticket_id: 't1',
    channel: 'email',
    recipient: 'li@example.cn',
    mailbox: null,
    state: 'sent',
    attempts: 1,
    error: null,
    created_at: AT - 60_000,
    updated_at: AT - 50_000,
    sent_at: null,
    next_attempt_at: null,
    ...over,
  };
}

function shown(d: Delivery, locale: Locale): string {
  const line = deliveryLine(d, locale);
  return translate(locale, line.key, line.params);
}

describe('deliveryLine', () => {
  test.each([
    ['en', 'sending', 'Sending…'],
    ['en', 'sent', 'Sent'],
    ['en', 'queued', 'Queued'],
    ['zh-CN', 'sending', '发送中…'],
    ['zh-CN', 'sent', '已发送'],
    ['zh-CN', 'queued', '排队中'],
  ] as const)('%s: a %s delivery reads "%s"', (locale, state, text) => {
    expect(shown(delivery({ state }), locale), 'each state has its own words in each language').toBe(text);
  });

  test('a retry waiting after a transient failure says when, and what went wrong last', () => {
    const waiting = delivery({ state: 'queued', next_attempt_at: AT, error: '421 try later', attempts: 2 });
    expect(shown(waiting, 'en'), 'the agent sees the retry is scheduled, not stuck').toBe(
      'Queued — retrying at 14:05 (last error: 421 try later)',
    );
    expect(shown(waiting, 'zh-CN'), 'and in Chinese').toBe('排队中 — 将于 14:05 重试（上次错误：421 try later）');
    expect(deliveryLine(waiting, 'en').tone, 'a failing delivery is a warning until it gives up').toBe('amber');
    expect(formatClock(AT, 'zh-CN'), 'a 24-hour clock in both languages').toBe('14:05');
  });

  test('a failure says why, in the server’s words, and offers a retry', () => {
    const failed = delivery({ state: 'failed', error: '550 5.1.1 user unknown' });
    expect(shown(failed, 'en'), 'the reason as the server gave it').toBe('Failed: 550 5.1.1 user unknown');
    expect(shown(failed, 'zh-CN'), 'a Chinese lead, the server’s reason').toBe('发送失败：550 5.1.1 user unknown');
    expect(deliveryLine(failed, 'en').tone, 'a failure is red').toBe('red');
    expect(shown(delivery({ state: 'failed' }), 'en'), 'no reason is no dangling colon').toBe('Failed');
    expect(canRetry(failed) && canChangeAddress(failed), 'a bounced email can go again, elsewhere').toBe(true);
    const chat = { ...failed, channel: 'telegram' as const, recipient: 'tg-1' };
    expect(canRetry(chat), 'a chat reply can be retried').toBe(true);
    expect(canChangeAddress(chat), 'but only back to its own conversation').toBe(false);
    for (const state of ['queued', 'sending', 'sent'] as const) {
      expect(canRetry(delivery({ state })), `a ${state} delivery is not the agent's to retry`).toBe(false);
    }
  });
});

describe('plausibleEmail', () => {
  test('accepts what desk-core accepts, trimmed', () => {
    for (const ok of ['new@x.cn', ' li.lei+desk@example.com.cn ', '王@例子.中国']) {
      expect(plausibleEmail(ok), `${ok} is an address`).toBe(true);
    }
  });

  test('refuses what desk-core refuses, so the form says so before anything is queued', () => {
    // desk-core delivery.rs: a_failed_delivery_is_retried_on_a_corrected_address_only_for_email
    for (const bad of ['', '   ', 'a b@x.cn', 'x.cn', 'a@b@x.cn', 'a@localhost', '<a@x.cn>', 'a@x.cn, b@y.cn', '@x.cn', 'a@.cn', 'a@x.', 'a\u0000@x.cn']) {
      expect(plausibleEmail(bad), `${JSON.stringify(bad)} is refused`).toBe(false);
    }
    expect(plausibleEmail(`${'a'.repeat(250)}@x.cn`), 'longer than 254 characters').toBe(false);
  });
});

describe('the outbox', () => {
  const op = (recipient: string | null): MutationOp => ({ type: 'retry_delivery', ticket_id: 't1', message_id: 'r1', recipient });

  test('names a queued retry, with the corrected address when there is one', () => {
    const label = (key: string) => `<${key}>`;
    expect(describeOp(op(null), [], label), 'same address').toEqual({ key: 'op.retry_delivery' });
    expect(describeOp(op('new@x.cn'), [], label), 'a corrected address is shown').toEqual({
      key: 'op.retry_delivery_to',
      params: { value: 'new@x.cn' },
    });
  });

  test('a queued retry does not mark its reply as unsent: the reply reached the server', () => {
    const entry: OutboxEntry = {
      mutation: { id: 'x', client_id: 'c', seq: 1, agent_id: 'a', created_at: 1, op: op(null) },
      state: 'pending',
      result: null,
    };
    expect(unsentMessages([entry]).size, 'only replies and notes are unsent messages').toBe(0);
  });
});

describe('the fake shell follows the store', () => {
  test('a bounced email is retried to a corrected address once, then sent at the next sync', () => {
    const shell = new FakeShell({ signedIn: true });
    const detail = () => shell.handle('get_ticket', { id: 't-1039' }) as { messages: { id: string; delivery: Delivery | null }[] };
    const reply = detail().messages.find((m) => m.id === 't-1039-m2');
    expect(reply?.delivery?.state, 'the fixture reply bounced').toBe('failed');
    expect(detail().messages[0]?.delivery, 'the customer’s message has no delivery').toBeNull();
    const retry = (messageId: string, recipient: string | null) => () =>
      shell.handle('retry_delivery', { ticketId: 't-1039', messageId, recipient });
    expect(retry('nope', null), 'an unknown message').toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(retry('t-1039-m1', null), 'a customer’s message').toThrow(expect.objectContaining({ code: 'bad_request' }));
    expect(retry('t-1039-m2', 'treasury at bauer'), 'not an address').toThrow(expect.objectContaining({ code: 'bad_request' }));
    retry('t-1039-m2', 'ops@bauer-capital.example')();
    const queued = detail().messages.find((m) => m.id === 't-1039-m2')?.delivery;
    expect([queued?.state, queued?.recipient], 'shown queued to the new address at once').toEqual(['queued', 'ops@bauer-capital.example']);
    expect(retry('t-1039-m2', null), 'a second click is refused').toThrow(expect.objectContaining({ code: 'conflict' }));
    shell.deliver();
    expect(detail().messages.find((m) => m.id === 't-1039-m2')?.delivery?.state, 'the server took it').toBe('sending');
  });
});
