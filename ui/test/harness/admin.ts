// The administration API as the fake shell answers it (desk-server's http/admin.rs over
// desk-sync's client/admin.rs): agents' accounts for admins, the audit log for
// supervisors, with the server's checks and refusals — the last admin is never demoted
// or disabled, nobody disables themselves (`conflict`), a role without the capability is
// `forbidden`, and offline is `offline`. In memory: accounts and a hash-chained-looking
// log of the fixture agents' work over the last days.
import type {
  Agent,
  AgentAccount,
  AgentUpdate,
  ApiError,
  AuditCheck,
  AuditPage,
  AuditQuery,
  AuditRecord,
  Capability,
  Category,
  ErrorCode,
  Invitation,
  NewAgentRequest,
  NewAgentResponse,
  Role,
  SessionState,
} from '../../src/lib/bindings';
import { CATEGORIES } from '../../src/lib/enums';
import type { Dataset } from './fixtures';

function reject(code: ErrorCode, message: string): never {
  throw { code, message } satisfies ApiError;
}

/** What the fake shell lends the administration API. */
export interface AdminHost {
  data: Dataset;
  state: SessionState;
  serverDown: boolean;
  requireSignedIn(): void;
  /** Saves into the fake Downloads folder without overwriting; answers the path. */
  saveDownload(name: string, bytes: Uint8Array): string;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** A departed agent: disabled, still listed (their work stays in the log). */
const SOFIA: Agent = {
  id: 'agent-sofia',
  name: 'Sofia Marin',
  email: 'sofia.marin@desk.example',
  role: 'agent',
  languages: ['en', 'es'],
  groups: ['EU desk'],
  skills: [],
  capacity: null,
};

/** Invited nine days ago and never accepted: the invitation has expired. */
const PRIYA: Agent = {
  id: 'agent-priya',
  name: 'Priya Shah',
  email: 'priya.shah@desk.example',
  role: 'agent',
  languages: ['en', 'hi'],
  groups: [],
  skills: ['dispute'],
  capacity: 15,
};

/** How long an invitation works (desk-server `auth::invitation::INVITATION_TTL`). */
export const INVITATION_TTL = 7 * 24 * 60 * 60_000;

const AUDIT_FIELDS = new Set(['actor', 'subject', 'action', 'since', 'until', 'before', 'limit']);
const NEW_AGENT_FIELDS = new Set(['email', 'name', 'role', 'languages', 'groups', 'skills', 'capacity', 'password']);
const UPDATE_FIELDS = new Set(['name', 'role', 'languages', 'groups', 'skills', 'capacity', 'disabled', 'password']);
const ROLES: readonly Role[] = ['agent', 'supervisor', 'admin'];

/** desk-core's `deny_unknown_fields`: a misspelt field is refused, never dropped. */
function onlyKnown(value: unknown, fields: Set<string>, what: string): void {
  if (!value || typeof value !== 'object') reject('bad_request', `${what} is not an object`);
  for (const key of Object.keys(value)) {
    if (!fields.has(key)) reject('bad_request', `unknown field \`${key}\` in ${what}`);
  }
}

// desk-core `admin::check_agent_name`, `check_languages`; desk-server `validate_groups`,
// `validate_password`, `validate_email`.
function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '' || [...trimmed].length > 100 || /\p{Cc}/u.test(trimmed)) {
    reject('bad_request', 'an agent\'s name is 1-100 characters without control characters');
  }
  return trimmed;
}

function checkLanguages(languages: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of languages) {
    const tag = raw.trim();
    if (!/^[A-Za-z][A-Za-z0-9-]{1,34}$/.test(tag)) reject('bad_request', `${JSON.stringify(tag)} is not a language tag such as zh-CN or en`);
    if (!out.some((t) => t.toLowerCase() === tag.toLowerCase())) out.push(tag);
  }
  if (out.length > 20) reject('bad_request', 'an agent answers in at most 20 languages');
  return out;
}

function checkGroups(groups: readonly string[]): string[] {
  const out = groups.map((g) => g.trim());
  for (const g of out) {
    if (g === '' || [...g].length > 64 || /\p{Cc}/u.test(g)) {
      reject('bad_request', `group names are 1-64 characters without control characters: ${JSON.stringify(g)}`);
    }
  }
  return [...new Set(out)].sort();
}

// desk-core `admin::check_skills`, `check_capacity`.
function checkSkills(skills: readonly Category[]): Category[] {
  for (const s of skills) if (!CATEGORIES.includes(s)) reject('bad_request', `unknown variant ${JSON.stringify(s)}`);
  return CATEGORIES.filter((c) => skills.includes(c));
}

function checkCapacity(capacity: number | null): number | null {
  if (capacity !== null && (!Number.isInteger(capacity) || capacity < 1 || capacity > 500)) {
    reject('bad_request', `capacity is 1-500 open tickets, or none for no limit, not ${capacity}`);
  }
  return capacity;
}

/** A code as the server makes one: five groups of four of Crockford's base32. */
function newCode(): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const groups: string[] = [];
  for (let g = 0; g < 5; g++) {
    let group = '';
    for (let i = 0; i < 4; i++) group += alphabet[Math.floor(Math.random() * 32)];
    groups.push(group);
  }
  return groups.join('-');
}

function checkPassword(password: string): void {
  if ([...password].length < 8) reject('bad_request', 'password must be at least 8 characters');
}

function checkEmail(email: string): string {
  const trimmed = email.trim();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(trimmed)) reject('bad_request', `${JSON.stringify(trimmed)} is not an email address`);
  return trimmed;
}

/** The log the fake starts with: accounts made by the operator a month ago, then three
 * days of sign-ins, ticket work and incoming mail by the fixture agents, oldest first. */
export function buildAuditLog(data: Dataset, now: number): AuditRecord[] {
  const rows: Omit<AuditRecord, 'seq' | 'hash'>[] = [];
  const add = (at: number, actor: string, action: string, subject: string, details: unknown) =>
    rows.push({ at, actor, action, subject, details });
  const agents = [...data.agents, SOFIA];
  agents.forEach((a, i) =>
    add(now - 30 * DAY + i * 7 * MIN, 'operator:root', 'agent.add', `agent:${a.id}`, { email: a.email, role: a.role }),
  );
  add(now - 9 * DAY, 'operator:root', 'agent.disable', `agent:${SOFIA.id}`, { devices_revoked: 2 });

  const tickets = ['t-1042', 't-1040', 't-1038', 't-1035', 't-1041', 't-1039', 't-1037', 't-1036'];
  const ops = ['reply', 'set_status', 'note', 'claim', 'add_tags', 'set_priority', 'reply', 'assign'];
  const workers = data.agents.slice(0, 3);
  let n = 0;
  for (let day = 3; day >= 1; day--) {
    const start = now - day * DAY + 9 * HOUR - (now % HOUR);
    workers.forEach((a, i) =>
      add(start + i * 4 * MIN, `agent:${a.id}`, 'auth.login', `device:dev-${a.id.slice(6)}-${day}`, {
        device_name: `Desk on ${a.id.slice(6)}-laptop (windows)`,
      }),
    );
    for (let k = 0; k < 16; k++) {
      const a = workers[(k + day) % workers.length]!;
      const ticket = tickets[(k * 3 + day) % tickets.length]!;
      const at = start + 20 * MIN + k * 17 * MIN;
      n++;
      if (k === 5 && day === 2) {
        add(at, `agent:${a.id}`, 'push.rejected', `ticket:${ticket}`, {
          mutation_id: `mut-${day}-${k}`, client_id: `client-${a.id.slice(6)}`, seq: n, device_id: `dev-${a.id.slice(6)}-${day}`,
          op: 'assign', outcome: { code: 'forbidden', reason: 'handing on a ticket assigned to someone else needs the supervisor role' },
        });
      } else if (k === 9 && day === 1) {
        add(at, `agent:${a.id}`, 'push.held', `ticket:${ticket}`, {
          mutation_id: `mut-${day}-${k}`, client_id: `client-${a.id.slice(6)}`, seq: n, device_id: `dev-${a.id.slice(6)}-${day}`,
          op: 'reply', outcome: 'the customer wrote after this reply was written',
        });
      } else {
        add(at, `agent:${a.id}`, 'push.applied', `ticket:${ticket}`, {
          mutation_id: `mut-${day}-${k}`, client_id: `client-${a.id.slice(6)}`, seq: n, device_id: `dev-${a.id.slice(6)}-${day}`,
          op: ops[k % ops.length], outcome: null,
        });
      }
      if (k % 6 === 2) {
        // What a customer wrote reaches the log as they wrote it: text, never markup.
        add(at + 3 * MIN, 'ingest:mail', 'ingest.mail', `ticket:${ticket}`, {
          from: k === 8 && day === 1 ? '"<b>Support</b>" <wang.lei@example.cn>' : 'wang.lei@example.cn',
          subject:
            k === 8 && day === 1
              ? '<img src=x onerror="window.__deskXss=\'audit\'">提币一直未到账 [#1042]'
              : `Re: 提币一直显示等待确认 [#${ticket.slice(2)}]`,
        });
      }
    }
    add(start + 9 * HOUR, `agent:${workers[day % workers.length]!.id}`, 'auth.logout', `device:dev-old-${day}`, {});
  }
  add(now - 2 * HOUR, 'system', 'auth.refresh_reuse_revoked', 'device:dev-stolen-1', {
    reason: 'a rotated refresh token was presented again',
  });
  rows.sort((a, b) => a.at - b.at);
  let previous = '0'.repeat(64);
  return rows.map((row, i) => {
    const hash = fakeHash(`${previous}|${i + 1}|${row.at}|${row.actor}|${row.action}|${row.subject}`);
    previous = hash;
    return { seq: i + 1, hash, ...row };
  });
}

/** 64 hex digits that change with their input: the look of the chain, not its security. */
function fakeHash(text: string): string {
  let out = '';
  let h = 2166136261;
  for (let round = 0; round < 8; round++) {
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
    h = Math.imul(h ^ round, 2246822519) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out;
}

export class FakeAdmin {
  accounts: AgentAccount[];
  audit: AuditRecord[];
  /** Set by a test to make `audit_verify` find the chain broken there. */
  broken: { seq: number; reason: string } | null = null;
  /** The codes of pending invitations by account id (the server keeps their hashes). */
  invitations = new Map<string, Invitation>();
  private ids = 0;

  constructor(
    private host: AdminHost,
    now: number,
  ) {
    // The signed-in agent with the role the harness gave them (`FakeShellConfig.role`).
    const agents = [...host.data.agents.map((a) => (a.id === host.data.me.id ? host.data.me : a)), SOFIA];
    this.accounts = agents.map((a, i) => ({
      ...a,
      disabled: a.id === SOFIA.id,
      created_at: now - 30 * DAY + i * 7 * MIN,
      invitation_pending: false,
      invited_until: null,
    }));
    const invited = now - 9 * DAY;
    this.accounts.push({ ...PRIYA, disabled: false, created_at: invited, invitation_pending: true, invited_until: invited + INVITATION_TTL });
    this.audit = buildAuditLog(host.data, now);
  }

  static readonly COMMANDS = new Set([
    'admin_agents',
    'admin_add_agent',
    'admin_update_agent',
    'admin_reissue_invitation',
    'audit_log',
    'audit_verify',
    'audit_export',
  ]);

  handle(cmd: string, args: Record<string, unknown>): unknown {
    this.host.requireSignedIn();
    const agentsCmd = cmd.startsWith('admin_');
    this.require(agentsCmd ? 'manage_agents' : 'view_audit');
    if (this.host.serverDown) reject('offline', `cannot reach the server at ${this.host.state.server_url ?? 'the server'}`);
    switch (cmd) {
      case 'admin_agents':
        return this.accounts;
      case 'admin_add_agent':
        return this.add(args.agent);
      case 'admin_update_agent':
        if (typeof args.agentId !== 'string') reject('bad_request', 'admin_update_agent needs agentId');
        return this.update(args.agentId, args.update);
      case 'admin_reissue_invitation':
        if (typeof args.agentId !== 'string') reject('bad_request', 'admin_reissue_invitation needs agentId');
        return this.reissue(args.agentId);
      case 'audit_log':
        return this.page(args.query);
      case 'audit_verify':
        return this.verify();
      case 'audit_export':
        return this.export(args.format, args.query);
      default:
        return reject('internal', `unknown command ${cmd}`);
    }
  }

  /** The server's gate: `forbidden` before anything is read, as `http::extract::gate`. */
  private require(capability: Capability): void {
    if (!this.host.state.capabilities.includes(capability)) {
      reject(
        'forbidden',
        capability === 'manage_agents' ? 'managing agents needs the admin role' : 'reading the audit log needs the supervisor role',
      );
    }
  }

  private me(): string {
    return this.host.state.agent?.id ?? 'nobody';
  }

  private record(action: string, subject: string, details: unknown): void {
    const last = this.audit[this.audit.length - 1];
    const seq = (last?.seq ?? 0) + 1;
    const at = Math.max(Date.now(), last?.at ?? 0);
    const actor = `agent:${this.me()}`;
    this.audit.push({ seq, at, actor, action, subject, details, hash: fakeHash(`${last?.hash ?? ''}|${seq}|${at}|${actor}|${action}|${subject}`) });
  }

  private add(input: unknown): NewAgentResponse {
    onlyKnown(input, NEW_AGENT_FIELDS, 'the new agent');
    const req = input as NewAgentRequest;
    if (!ROLES.includes(req.role)) reject('bad_request', `unknown role ${JSON.stringify(req.role)}`);
    const email = checkEmail(req.email ?? '');
    const name = checkName(req.name ?? '');
    const languages = checkLanguages(req.languages ?? []);
    const groups = checkGroups(req.groups ?? []);
    const skills = checkSkills(req.skills ?? []);
    const capacity = checkCapacity(req.capacity ?? null);
    const inviting = req.password === undefined || req.password === null;
    if (!inviting) checkPassword(req.password ?? '');
    if (this.accounts.some((a) => a.email.toLowerCase() === email.toLowerCase())) {
      reject('conflict', `an agent with email ${JSON.stringify(email)} already exists`);
    }
    const account: AgentAccount = {
      id: `agent-new-${++this.ids}`,
      name,
      email,
      role: req.role,
      languages,
      groups,
      skills,
      capacity,
      disabled: false,
      created_at: Date.now(),
      invitation_pending: inviting,
      invited_until: null,
    };
    this.accounts.push(account);
    // The next sync brings the new agent to every console's cache.
    this.host.data.agents.push(agentOf(account));
    this.record('agent.add', `agent:${account.id}`, {
      email,
      role: account.role,
      skills,
      capacity,
      first_sign_in: inviting ? 'invitation' : 'password',
    });
    const invitation = inviting ? this.invite(account) : null;
    return { ...account, invitation };
  }

  /** A new invitation for `account`, replacing the one it had. */
  private invite(account: AgentAccount): Invitation {
    const replaced = this.invitations.has(account.id);
    const invitation = { code: newCode(), expires_at: Date.now() + INVITATION_TTL };
    this.invitations.set(account.id, invitation);
    account.invited_until = invitation.expires_at;
    this.record('agent.invite', `agent:${account.id}`, { expires_at: invitation.expires_at, replaced });
    return invitation;
  }

  /** For tests: the invitation an admin issued elsewhere to `email`'s account, whose code
   * the agent now holds. */
  issueFor(email: string): Invitation {
    const target = this.accounts.find((a) => a.email === email);
    if (!target) throw new Error(`no account ${email}`);
    return this.invite(target);
  }

  private reissue(id: string): Invitation {
    const target = this.accounts.find((a) => a.id === id);
    if (!target) reject('not_found', `no agent ${JSON.stringify(id)}`);
    if (!target.invitation_pending) {
      reject('conflict', `${target.email} has chosen a password already: set a new one instead of inviting them`);
    }
    return this.invite(target);
  }

  /** `POST /auth/invitation` as the server decides it: the code must be the email's
   * pending, unexpired one; the answer never says which of these failed. */
  accept(email: string, code: string): AgentAccount {
    const normalized = (c: string) => c.toUpperCase().replace(/[\s-]/g, '');
    const target = this.accounts.find((a) => a.email.toLowerCase() === email.trim().toLowerCase());
    const invitation = target ? this.invitations.get(target.id) : undefined;
    if (!target || !invitation || invitation.expires_at <= Date.now() || normalized(invitation.code) !== normalized(code)) {
      reject('invalid_invitation', 'the invitation code is wrong, expired or already used, or not for this email');
    }
    if (target.disabled) reject('account_disabled', 'the agent account is disabled');
    this.invitations.delete(target.id);
    target.invitation_pending = false;
    target.invited_until = null;
    return target;
  }

  private update(id: string, input: unknown): AgentAccount {
    onlyKnown(input, UPDATE_FIELDS, 'the update');
    const update = input as AgentUpdate;
    if (Object.keys(update).length === 0) reject('bad_request', 'nothing to change');
    const target = this.accounts.find((a) => a.id === id);
    if (!target) reject('not_found', `no agent ${JSON.stringify(id)}`);
    const name = update.name === undefined ? undefined : checkName(update.name);
    const languages = update.languages === undefined ? undefined : checkLanguages(update.languages);
    const groups = update.groups === undefined ? undefined : checkGroups(update.groups);
    const skills = update.skills === undefined ? undefined : checkSkills(update.skills);
    const capacity = update.capacity === undefined ? undefined : checkCapacity(update.capacity);
    if (update.role !== undefined && !ROLES.includes(update.role)) reject('bad_request', `unknown role ${JSON.stringify(update.role)}`);
    const otherAdmins = this.accounts.filter((a) => a.role === 'admin' && !a.disabled && a.id !== target.id).length;
    if (update.disabled === true) {
      if (target.id === this.me()) reject('conflict', 'you cannot disable your own account: ask another admin');
      if (target.role === 'admin' && otherAdmins === 0) reject('conflict', "the desk's last enabled admin cannot be disabled");
    }
    if (update.password !== undefined) checkPassword(update.password);
    // Checked by storage in its transaction, after the handler's checks.
    if (update.role !== undefined && update.role !== 'admin' && target.role === 'admin' && !target.disabled && otherAdmins === 0) {
      reject('conflict', "the desk's last enabled admin cannot be given another role");
    }
    const before = { ...target };
    if (name !== undefined) target.name = name;
    if (languages !== undefined) target.languages = languages;
    if (groups !== undefined) target.groups = groups;
    if (skills !== undefined) target.skills = skills;
    if (capacity !== undefined) target.capacity = capacity;
    if (update.role !== undefined) target.role = update.role;
    const subject = `agent:${target.id}`;
    if (skills !== undefined && skills.join() !== before.skills.join()) {
      this.record('agent.skills', subject, { before: before.skills, after: target.skills });
    }
    if (capacity !== undefined && capacity !== before.capacity) {
      this.record('agent.capacity', subject, { before: before.capacity, after: target.capacity });
    }
    if (groups !== undefined && groups.join('\n') !== before.groups.join('\n')) {
      this.record('agent.groups', subject, { before: before.groups, after: target.groups });
    }
    if (target.role !== before.role) this.record('agent.role', subject, { before: before.role, after: target.role });
    if (target.name !== before.name || target.languages.join() !== before.languages.join()) {
      this.record('agent.profile', subject, {
        before: { name: before.name, languages: before.languages },
        after: { name: target.name, languages: target.languages },
      });
    }
    if (update.password !== undefined) {
      this.record('agent.password_set', subject, {});
      // A password an admin sets ends a pending invitation.
      this.invitations.delete(target.id);
      target.invitation_pending = false;
      target.invited_until = null;
    }
    if (update.disabled !== undefined && update.disabled !== before.disabled) {
      target.disabled = update.disabled;
      this.record(update.disabled ? 'agent.disable' : 'agent.enable', subject, { devices_revoked: update.disabled ? 1 : 0 });
    }
    // The feed carries the changed agent to the cache at the next sync.
    const cached = this.host.data.agents.find((a) => a.id === target.id);
    if (cached) Object.assign(cached, agentOf(target));
    return { ...target };
  }

  private filter(input: unknown, max: number): { rows: AuditRecord[]; limit: number } {
    onlyKnown(input ?? {}, AUDIT_FIELDS, 'the audit query');
    const q = (input ?? {}) as AuditQuery;
    const limit = q.limit ?? (max === 1000 ? 100 : max);
    if (!Number.isInteger(limit) || limit < 1 || limit > max) reject('bad_request', `\`limit\` is 1-${max} rows`);
    if (q.since !== undefined && q.until !== undefined && q.since >= q.until) reject('bad_request', '`since` must be before `until`');
    const text = (v: string | undefined) => (v === undefined || v.trim() === '' ? null : v.trim());
    const actor = text(q.actor);
    const subject = text(q.subject);
    const action = text(q.action);
    const rows = this.audit
      .filter((r) => actor === null || r.actor === actor)
      .filter((r) => subject === null || r.subject === subject)
      .filter((r) => action === null || (action.endsWith('.') ? r.action.startsWith(action) : r.action === action))
      .filter((r) => q.since === undefined || r.at >= q.since)
      .filter((r) => q.until === undefined || r.at < q.until)
      .filter((r) => q.before === undefined || r.seq < q.before)
      .sort((a, b) => b.seq - a.seq);
    return { rows: rows.slice(0, limit), limit };
  }

  private page(input: unknown): AuditPage {
    const { rows, limit } = this.filter(input, 1000);
    return { entries: rows, next_before: rows.length === limit ? rows[rows.length - 1]!.seq : null };
  }

  private verify(): AuditCheck {
    const rows = this.audit.length;
    return this.broken
      ? { intact: false, rows, broken_at: this.broken.seq, reason: this.broken.reason }
      : { intact: true, rows, broken_at: null, reason: null };
  }

  private export(format: unknown, input: unknown): string {
    if (format !== 'csv' && format !== 'jsonl') reject('bad_request', `\`format\` is csv or jsonl, not ${JSON.stringify(format)}`);
    const { rows } = this.filter(input, 100_000);
    let text: string;
    if (format === 'csv') {
      // The server defuses formulas: a field starting with = + - @ is prefixed with '.
      const field = (v: string) => {
        const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
        return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
      };
      text =
        'seq,at,actor,action,subject,details,hash\n' +
        rows
          .map((r) => [String(r.seq), String(r.at), r.actor, r.action, r.subject, JSON.stringify(r.details), r.hash].map(field).join(','))
          .join('\n') +
        (rows.length ? '\n' : '');
    } else {
      text = rows.map((r) => JSON.stringify(r) + '\n').join('');
    }
    return this.host.saveDownload(format === 'csv' ? 'desk-audit-log.csv' : 'desk-audit-log.jsonl', new TextEncoder().encode(text));
  }
}

function agentOf(account: AgentAccount): Agent {
  return {
    id: account.id,
    name: account.name,
    email: account.email,
    role: account.role,
    languages: [...account.languages],
    groups: [...account.groups],
    skills: [...account.skills],
    capacity: account.capacity,
  };
}
