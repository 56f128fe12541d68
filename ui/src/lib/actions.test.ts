// The console's new pure logic: macro variables, draft keys, palette matching, snippet
// highlights, bulk selection, the outbox's grouping and the SLA view queries.
import { describe, expect, test } from 'vitest';
import type { Macro, OutboxEntry, TicketDetail } from './bindings';
import { draftKey, loadDraft, saveDraft } from './drafts';
import { fillMacro, macroVariables, pickBody, replyLanguage } from './macros';
import { describeOp, groupOutbox } from './outbox';
import { filterCommands, matchScore } from './palette';
import { selectRange, toggle } from './selection';
import { splitSnippet } from './snippet';
import { incidentOf, incidentQuery, incidentView, isConsoleView, slaQuery } from './views';
import { unsentMessages } from './desk.svelte';

const macro: Macro = {
  id: 'm1',
  title: 'Confirm',
  bodies: { en: 'Hi {{customer.name}}', 'zh-CN': '{{customer.name}}您好，工单 {{ ticket.number }}' },
  variables: [],
  actions: [],
  categories: [],
  updated_at: 1,
};

function detail(over: Partial<TicketDetail['ticket']> = {}): TicketDetail {
  return {
    ticket: {
      id: 't1',
      number: 1042,
      subject: '提币等待确认',
      customer_id: 'c1',
      channel: 'wechat',
      status: 'open',
      priority: 'high',
      category: 'transaction_confirmation',
      tags: [],
      assignee_id: null,
      group: null,
      language: 'zh-CN',
      first_response_due_at: null,
      resolution_due_at: null,
      linked_transaction_ids: ['tx2'],
      incident_id: null,
      merged_into: null,
      csat: null,
      created_at: 0,
      updated_at: 0,
      last_message_at: 0,
      deleted_at: null,
      secret_exposed_at: null,
      ...over,
    },
    customer: {
      id: 'c1',
      platform_user_id: 'u1',
      name: '王磊',
      emails: ['wl@example.com'],
      phones: [],
      handles: [],
      preferred_language: 'zh-CN',
      tier: 'vip',
      kyc_level: 2,
      risk_flags: [],
      tags: [],
      notes: '',
      created_at: 0,
      updated_at: 0,
    },
    assignee: null,
    messages: [],
    transactions: [
      { id: 'tx1', customer_id: 'c1', asset: 'BTC', chain: 'Bitcoin', amount: '0.1', direction: 'deposit', tx_hash: 'aa', status: 'confirmed', confirmations: 6, required_confirmations: 6, created_at: 0, updated_at: 0 },
      { id: 'tx2', customer_id: 'c1', asset: 'USDT', chain: 'TRON', amount: '5000', direction: 'withdrawal', tx_hash: 'b3c1', status: 'awaiting_customer_confirmation', confirmations: 0, required_confirmations: 20, created_at: 0, updated_at: 0 },
    ],
    conversation_on_server: false,
  };
}

describe('macros', () => {
  test('the body follows the ticket language, with its base language as fallback', () => {
    expect(pickBody(macro, 'zh-CN')).toContain('您好');
    expect(pickBody(macro, 'zh')).toContain('您好');
    expect(pickBody(macro, 'en-GB')).toBe('Hi {{customer.name}}');
    expect(pickBody(macro, 'ja')).toBeNull();
    expect(replyLanguage(detail({ language: 'en' }))).toBe('en');
  });

  test('variables come from the customer, the ticket number and the linked transaction', () => {
    const vars = macroVariables(detail(), 'Chen Jing');
    expect(vars['customer.name']).toBe('王磊');
    expect(vars['ticket.number']).toBe('#1042');
    expect(vars['agent.name']).toBe('Chen Jing');
    expect(vars['transaction.amount'], 'the linked one, not the first of the customer').toBe('5000');
    expect(vars['transaction.asset']).toBe('USDT');
    expect(vars['transaction.hash']).toBe('b3c1');
    expect(macroVariables(detail({ number: null, linked_transaction_ids: [] }), null)['ticket.number']).toBeUndefined();
  });

  test('filling replaces known variables, spaces inside braces allowed, and lists the rest', () => {
    const filled = fillMacro('{{customer.name}}您好，工单 {{ ticket.number }}，参考号 {{kyc.reference}} {{kyc.reference}}', {
      'customer.name': '王磊',
      'ticket.number': '#1042',
    });
    expect(filled.text).toBe('王磊您好，工单 #1042，参考号 {{kyc.reference}} {{kyc.reference}}');
    expect(filled.missing, 'each missing variable once').toEqual(['kyc.reference']);
  });

  test('a value that looks like a variable is inserted as text, never expanded again', () => {
    const filled = fillMacro('Hi {{customer.name}}', { 'customer.name': '{{agent.name}}<b>', 'agent.name': 'X' });
    expect(filled.text).toBe('Hi {{agent.name}}<b>');
  });
});

describe('drafts', () => {
  test('keys separate servers, agents and tickets, and cannot collide through a colon', () => {
    const a = draftKey('http://a:8080', 'agent-1', 't1');
    expect(draftKey('http://a:8080', 'agent-1', 't1')).toBe(a);
    expect(draftKey('http://b:8080', 'agent-1', 't1')).not.toBe(a);
    expect(draftKey('http://a:8080', 'agent-2', 't1')).not.toBe(a);
    expect(draftKey('http://a:8080', 'agent-1', 't2')).not.toBe(a);
    expect(draftKey('x', 'a:b', 'c')).not.toBe(draftKey('x', 'a', 'b:c'));
    expect(a.startsWith('desk.draft:')).toBe(true);
  });

  test('saved drafts load back; a blank one is removed; junk reads as none', () => {
    const store = new Map<string, string>();
    const storage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k),
    };
    saveDraft(storage, 'k', { body: '您好', internal: true });
    expect(loadDraft(storage, 'k')).toEqual({ body: '您好', internal: true });
    saveDraft(storage, 'k', { body: '  ', internal: false });
    expect(store.has('k'), 'an emptied composer leaves no draft').toBe(false);
    store.set('bad', '{not json');
    expect(loadDraft(storage, 'bad')).toBeNull();
    store.set('odd', '{"body": 3}');
    expect(loadDraft(storage, 'odd')).toBeNull();
  });
});

describe('palette', () => {
  const commands = [
    { id: 'reply', label: 'Reply', keywords: ['回复'] },
    { id: 'assign', label: 'Assign' },
    { id: 'go-outbox', label: 'Go to Outbox' },
    { id: 'solve', label: 'Set status: Solved' },
  ];

  test('an empty query lists every command in order', () => {
    expect(filterCommands(commands, '').map((c) => c.id)).toEqual(['reply', 'assign', 'go-outbox', 'solve']);
  });

  test('prefix beats word start beats substring beats scattered letters', () => {
    expect(matchScore('Assign', 'as')!).toBeGreaterThan(matchScore('Go to Outbox', 'out')!);
    expect(matchScore('Go to Outbox', 'out')!).toBeGreaterThan(matchScore('Set status: Solved', 'olv')!);
    expect(matchScore('Set status: Solved', 'olv')!).toBeGreaterThan(matchScore('Assign', 'asg')!);
    expect(matchScore('Assign', 'zz')).toBeNull();
  });

  test('letters in order find a command; keywords find it in the other language', () => {
    expect(filterCommands(commands, 'asg').map((c) => c.id)).toEqual(['assign']);
    expect(filterCommands(commands, '回复').map((c) => c.id)).toEqual(['reply']);
    expect(filterCommands(commands, 'OUTBOX').map((c) => c.id)).toEqual(['go-outbox']);
    expect(filterCommands(commands, 'nothing like it')).toEqual([]);
  });
});

describe('snippets', () => {
  test('highlights split into pieces; markup stays text', () => {
    expect(splitSnippet('…提币\uE000确认\uE001中 <b>x</b>')).toEqual([
      { text: '…提币', hit: false },
      { text: '确认', hit: true },
      { text: '中 <b>x</b>', hit: false },
    ]);
    expect(splitSnippet('\uE000a\uE001\uE000b\uE001')).toEqual([
      { text: 'a', hit: true },
      { text: 'b', hit: true },
    ]);
    expect(splitSnippet('')).toEqual([]);
  });
});

describe('selection', () => {
  const order = ['a', 'b', 'c', 'd', 'e'];
  test('x toggles; shift-click adds the range from the last toggled, in either direction', () => {
    expect(toggle(['a'], 'b')).toEqual(['a', 'b']);
    expect(toggle(['a', 'b'], 'a')).toEqual(['b']);
    expect(selectRange(['b'], order, 'b', 'd')).toEqual(['b', 'c', 'd']);
    expect(selectRange([], order, 'd', 'b')).toEqual(['b', 'c', 'd']);
    expect(selectRange(['a'], order, null, 'c'), 'no anchor: just the row').toEqual(['a', 'c']);
    expect(selectRange(['a'], order, 'gone', 'c')).toEqual(['a', 'c']);
  });
});

describe('outbox', () => {
  const entry = (id: string, state: OutboxEntry['state'], type: 'reply' | 'claim'): OutboxEntry => ({
    mutation: {
      id,
      client_id: 'c',
      seq: 1,
      agent_id: 'me',
      created_at: 0,
      op: type === 'reply' ? { type, ticket_id: 't1', message_id: `msg-${id}`, body_text: 'x', last_seen_message_id: null, attachments: [] } : { type, ticket_id: 't1' },
    },
    state,
    result: null,
  });

  test('held and rejected work comes before pending; empty groups are left out', () => {
    const groups = groupOutbox([entry('1', 'pending', 'claim'), entry('2', 'held', 'reply'), entry('3', 'pending', 'reply')]);
    expect(groups.map((g) => [g.state, g.entries.map((e) => e.mutation.id)])).toEqual([
      ['held', ['2']],
      ['pending', ['1', '3']],
    ]);
  });

  test('unsent replies are marked by message id with their state', () => {
    const unsent = unsentMessages([entry('1', 'pending', 'claim'), entry('2', 'held', 'reply')]);
    expect([...unsent]).toEqual([['msg-2', 'held']]);
  });

  test('actions are described with translated values', () => {
    const label = (k: string) => `<${k}>`;
    expect(describeOp({ type: 'set_status', ticket_id: 't', status: 'solved' }, [], label)).toEqual({
      key: 'op.set_status',
      params: { value: '<status.solved>' },
    });
    expect(
      describeOp({ type: 'assign', ticket_id: 't', assignee_id: 'a1' }, [{ id: 'a1', name: 'Omar', email: '', role: 'agent', languages: [], groups: [], skills: [], capacity: null }], label),
    ).toEqual({ key: 'op.assign', params: { value: 'Omar' } });
    expect(describeOp({ type: 'assign', ticket_id: 't', assignee_id: null }, [], label).params).toEqual({ value: '<edit.nobody>' });
  });
});

describe('views', () => {
  test('SLA views are open tickets by SLA state, soonest due first', () => {
    const q = slaQuery('sla_breached', 50);
    expect(q.view).toBe('open');
    expect(q.filter.sla).toBe('breached');
    expect(q.sort).toBe('sla_due');
    expect(slaQuery('sla_at_risk', 5).filter.sla).toBe('at_risk');
    expect(isConsoleView('outbox')).toBe(true);
    expect(isConsoleView('sideways')).toBe(false);
  });

  test('an incident view is keyed by the incident and lists its open tickets', () => {
    const view = incidentView('inc-7');
    expect(isConsoleView(view), 'remembered across restarts like the named views').toBe(true);
    expect(isConsoleView('incident:')).toBe(false);
    expect(incidentOf(view)).toBe('inc-7');
    expect(incidentOf('open')).toBeNull();
    const q = incidentQuery('inc-7', 100);
    expect([q.view, q.filter.incident_id, q.sort]).toEqual(['open', 'inc-7', 'last_activity']);
  });
});
