import { describe, expect, test } from 'vitest';
import type { AgentAccount, ApiError, AuditPage, Invitation, NewAgentResponse, TicketSummary } from '../../lib/bindings';
import { translate } from '../../lib/i18n';
import { ADMIN_VIEWS, isConsoleView, mayShow } from '../../lib/views';
import { FakeShell } from '../../../test/harness/fake-shell';
import {
  MAX_CAPACITY,
  NO_FILTERS,
  actorLabel,
  agentFormOf,
  agentUpdate,
  auditQuery,
  blankAgentForm,
  capacityOf,
  dayStart,
  detailsText,
  emptySpan,
  invitationStatus,
  isEmptyUpdate,
  newAgentRequest,
  splitList,
  subjectLabel,
  toggleListed,
  ticketIdOf,
} from './admin';

const known = [{ id: 't-1042', number: 1042 }, { id: 't-local-1', number: null }] as TicketSummary[];
const agents = [
  { id: 'agent-chen', name: 'Chen Jing', email: 'c@x', role: 'admin' as const, languages: [], groups: [], skills: [], capacity: null },
  {
    id: 'agent-lina',
    name: '李娜',
    email: 'l@x',
    role: 'agent' as const,
    languages: ['zh-CN'],
    groups: ['中文一线'],
    skills: ['account_locked' as const],
    capacity: 25,
  },
];

const account: AgentAccount = {
  id: 'agent-lina',
  name: '李娜',
  email: 'li.na@desk.example',
  role: 'agent',
  languages: ['zh-CN'],
  groups: ['中文一线'],
  skills: ['account_locked'],
  capacity: 25,
  disabled: false,
  created_at: 1,
  invitation_pending: false,
  invited_until: null,
};

describe('who is offered what', () => {
  test('each administration screen needs its capability; every other view is everyone’s', () => {
    expect(mayShow('admin_agents', ['view_audit'])).toBe(false);
    expect(mayShow('admin_audit', ['view_audit'])).toBe(true);
    expect(mayShow('admin_agents', ['view_audit', 'manage_agents'])).toBe(true);
    for (const view of ADMIN_VIEWS) expect(mayShow(view, []), view).toBe(false);
    expect(mayShow('open', [])).toBe(true);
    expect(mayShow('incident:inc-1', [])).toBe(true);
  });

  test('a remembered administration screen is a view the console can restore', () => {
    expect(isConsoleView('admin_audit')).toBe(true);
    expect(isConsoleView('admin_everything')).toBe(false);
  });
});

describe('audit queries', () => {
  test('only the filters given are sent, as the server names them', () => {
    expect(auditQuery({ ...NO_FILTERS }, known)).toEqual({ limit: 50 });
    expect(
      auditQuery({ agentId: 'agent-lina', ticket: ' #1042 ', family: 'push.', since: '', until: '' }, known, 812, 50),
    ).toEqual({ actor: 'agent:agent-lina', subject: 'ticket:t-1042', action: 'push.', before: 812, limit: 50 });
    expect(auditQuery({ ...NO_FILTERS, ticket: '4711' }, known, null, null)).toEqual({ subject: 'ticket:4711' });
  });

  test('days are local and the last one is whole', () => {
    const q = auditQuery({ ...NO_FILTERS, since: '2026-03-05', until: '2026-03-05' }, known);
    expect(q.since).toBe(new Date(2026, 2, 5).getTime());
    expect(q.until).toBe(new Date(2026, 2, 6).getTime());
    expect(dayStart('not a date')).toBeNull();
    expect(emptySpan({ ...NO_FILTERS, since: '2026-03-06', until: '2026-03-05' })).toBe(true);
    expect(emptySpan({ ...NO_FILTERS, since: '2026-03-05', until: '2026-03-05' })).toBe(false);
  });

  test('a ticket is found by number when this console knows it, else taken as an id', () => {
    expect(ticketIdOf('1042', known)).toBe('t-1042');
    expect(ticketIdOf('#9999', known)).toBe('9999');
    expect(ticketIdOf('t-local-1', known)).toBe('t-local-1');
    expect(ticketIdOf('  ', known)).toBeNull();
  });
});

describe('audit rows for people', () => {
  const t = (key: Parameters<typeof translate>[1], params?: Parameters<typeof translate>[2]) => translate('zh-CN', key, params);

  test('actors by name, in the UI language; an unknown agent by id', () => {
    expect(actorLabel('agent:agent-lina', agents, t).text).toBe('李娜');
    expect(actorLabel('agent:agent-gone', agents, t).text).toBe('agent-gone');
    expect(actorLabel('operator:root', agents, t).text).toBe('运维人员 root');
    expect(actorLabel('operator:unknown', agents, t).text, 'no OS user told').toBe('服务器运维人员');
    expect(actorLabel('system', agents, t).text).toBe('系统');
    expect(actorLabel('ingest:mail', agents, t)).toEqual({ text: '接入 mail', raw: 'ingest:mail' });
  });

  test('subjects: agents by name, tickets by number when known', () => {
    const map = new Map(known.map((k) => [k.id, k]));
    expect(subjectLabel('agent:agent-chen', agents, map)).toBe('Chen Jing');
    expect(subjectLabel('ticket:t-1042', agents, map)).toBe('#1042');
    expect(subjectLabel('ticket:t-local-1', agents, map)).toBe('ticket:t-local-1');
    expect(subjectLabel('device:d1', agents, map)).toBe('device:d1');
    const titles = new Map([['macro:m-confirm', '请在 App 内确认']]);
    expect(subjectLabel('macro:m-confirm', agents, map, titles)).toBe('请在 App 内确认');
    expect(subjectLabel('macro:m-gone', agents, map, titles), 'deleted since: the id').toBe('macro:m-gone');
  });

  test('details are text, markup and all', () => {
    const hostile = { subject: '<img src=x onerror="alert(1)">\n提币', n: [1, 2] };
    expect(detailsText(hostile)).toBe('{ "subject": "<img src=x onerror=\\"alert(1)\\">\\n提币", "n": [ 1, 2 ] }');
    expect(JSON.parse(detailsText(hostile)), 'still JSON').toEqual(hostile);
    expect(detailsText({})).toBe('');
    expect(detailsText(null)).toBe('');
    expect(detailsText('stored as text')).toBe('stored as text');
  });
});

describe('agent forms', () => {
  test('lists split on commas of either width, and languages on spaces too', () => {
    expect(splitList('中文一线，VIP desk, 中文一线、 ')).toEqual(['中文一线', 'VIP desk']);
    expect(splitList('zh-CN en, ja', { spaces: true })).toEqual(['zh-CN', 'en', 'ja']);
  });

  test('a new agent is sent as desk-core shapes it', () => {
    const form = {
      ...blankAgentForm(),
      name: ' 赵敏 ',
      email: ' zhao.min@desk.example ',
      role: 'supervisor' as const,
      groups: '中文一线',
      languages: 'zh-CN, en',
      skills: ['security' as const, 'transaction_confirmation' as const],
      capacity: ' 30 ',
      invite: false,
      password: 'first-pass-1',
    };
    expect(newAgentRequest(form)).toEqual({
      name: '赵敏',
      email: 'zhao.min@desk.example',
      role: 'supervisor',
      groups: ['中文一线'],
      languages: ['zh-CN', 'en'],
      skills: ['transaction_confirmation', 'security'],
      capacity: 30,
      password: 'first-pass-1',
    });
    // An invitation is the default: no password is sent, so the server makes one; no
    // capacity typed is no limit.
    const invited = newAgentRequest({ ...form, invite: true, capacity: '' });
    expect(invited).not.toHaveProperty('password');
    expect(invited).not.toHaveProperty('capacity');
    expect(blankAgentForm().invite).toBe(true);
  });

  test('a capacity is a whole number of tickets from 1 to 500, or none', () => {
    expect(capacityOf('')).toBeNull();
    expect(capacityOf(' 12 ')).toBe(12);
    expect(capacityOf(String(MAX_CAPACITY))).toBe(MAX_CAPACITY);
    for (const bad of ['0', '501', '2.5', '-3', 'ten']) expect(capacityOf(bad), bad).toBe('invalid');
  });

  test('an invitation is pending until it expires, and none once accepted', () => {
    expect(invitationStatus(account, 10)).toEqual({ kind: 'none' });
    const invited = { ...account, invitation_pending: true, invited_until: 100 };
    expect(invitationStatus(invited, 10)).toEqual({ kind: 'pending', until: 100 });
    expect(invitationStatus(invited, 100)).toEqual({ kind: 'expired' });
  });

  test('an update carries only what changed', () => {
    const form = agentFormOf(account);
    expect(isEmptyUpdate(agentUpdate(account, form))).toBe(true);
    expect(agentUpdate(account, { ...form, role: 'supervisor', groups: '中文一线, VIP' })).toEqual({
      role: 'supervisor',
      groups: ['中文一线', 'VIP'],
    });
    expect(agentUpdate(account, { ...form, disabled: true, password: 'reset-pass-9' })).toEqual({
      disabled: true,
      password: 'reset-pass-9',
    });
    // Skills compare in the categories' order; an emptied capacity lifts the limit.
    expect(agentUpdate(account, { ...form, skills: ['security', 'account_locked'], capacity: '' })).toEqual({
      skills: ['account_locked', 'security'],
      capacity: null,
    });
    expect(isEmptyUpdate(agentUpdate(account, { ...form, skills: ['account_locked'], capacity: '25' }))).toBe(true);
  });
});

describe('the fake shell answers as the server does', () => {
  const call = (shell: FakeShell, cmd: string, args: Record<string, unknown> = {}) => {
    try {
      return { ok: shell.handle(cmd, args) };
    } catch (e) {
      return { err: e as ApiError };
    }
  };

  test('the last admin is never demoted or disabled, and nobody disables themselves', () => {
    const shell = new FakeShell({ signedIn: true, role: 'admin' });
    const demote = call(shell, 'admin_update_agent', { agentId: 'agent-chen', update: { role: 'supervisor' } });
    expect(demote.err).toEqual({ code: 'conflict', message: "the desk's last enabled admin cannot be given another role" });
    const self = call(shell, 'admin_update_agent', { agentId: 'agent-chen', update: { disabled: true } });
    expect(self.err?.code).toBe('conflict');
    expect(self.err?.message).toContain('your own account');
    const promoted = call(shell, 'admin_update_agent', { agentId: 'agent-omar', update: { role: 'admin' } });
    expect((promoted.ok as AgentAccount).role).toBe('admin');
    expect(call(shell, 'admin_update_agent', { agentId: 'agent-chen', update: { role: 'supervisor' } }).ok).toBeDefined();
  });

  test('roles without the capability are refused, and misspelt fields too', () => {
    const supervisor = new FakeShell({ signedIn: true });
    expect(call(supervisor, 'admin_agents').err?.code).toBe('forbidden');
    expect((call(supervisor, 'audit_log', { query: { limit: 50 } }).ok as AuditPage).entries).toHaveLength(50);
    expect(call(supervisor, 'audit_log', { query: { actr: 'x' } }).err?.code).toBe('bad_request');
    const agent = new FakeShell({ signedIn: true, role: 'agent' });
    expect(call(agent, 'audit_verify').err?.code).toBe('forbidden');
  });

  test('an invitation is made without a password, works once, and a new one replaces it', () => {
    const shell = new FakeShell({ signedIn: true, role: 'admin' });
    const added = call(shell, 'admin_add_agent', {
      agent: { email: 'mei@desk.example', name: 'Mei', role: 'agent', skills: ['security'], capacity: 0 },
    });
    expect(added.err?.code, 'a capacity of 0 is refused').toBe('bad_request');
    const ok = call(shell, 'admin_add_agent', { agent: { email: 'mei@desk.example', name: 'Mei', role: 'agent' } })
      .ok as NewAgentResponse;
    expect(ok.invitation_pending).toBe(true);
    const first = ok.invitation!.code;
    const fresh = (call(shell, 'admin_reissue_invitation', { agentId: ok.id }).ok as Invitation).code;
    expect(call(shell, 'admin_reissue_invitation', { agentId: 'agent-omar' }).err?.code, 'Omar has a password').toBe('conflict');
    const accept = (code: string) =>
      call(shell, 'accept_invitation', { serverUrl: 'http://x', email: 'mei@desk.example', code, password: 'mei password' });
    expect(accept(first).err?.code, 'the replaced code').toBe('invalid_invitation');
    expect((accept(fresh).ok as { agent: { name: string } }).agent.name).toBe('Mei');
    expect(accept(fresh).err?.code, 'used once').toBe('invalid_invitation');
  });

  test('pages run newest first to the start of the log', () => {
    const shell = new FakeShell({ signedIn: true });
    const first = call(shell, 'audit_log', { query: { limit: 50 } }).ok as AuditPage;
    const rest = call(shell, 'audit_log', { query: { limit: 50, before: first.next_before } }).ok as AuditPage;
    const seqs = [...first.entries, ...rest.entries].map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(new Set(seqs).size).toBe(shell.admin.audit.length);
    expect(rest.next_before).toBeNull();
  });
});

test('a defined group\'s button adds its id to the typed list, or takes it out', () => {
  expect(toggleListed('', 'cn-support')).toBe('cn-support');
  expect(toggleListed('vip-desk，中文一线', 'cn-support')).toBe('vip-desk, 中文一线, cn-support');
  expect(toggleListed('vip-desk, cn-support', 'cn-support')).toBe('vip-desk');
});
