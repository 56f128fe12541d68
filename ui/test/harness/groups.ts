// Groups as the fake shell answers them: `groups` from the cache (every console's, any
// role), the admins' writes with desk-core's checks (`groups::group_from`: lowercase ids,
// a name in at least one language tag, a description of at most 500 characters), the
// server's refusal to delete a group enabled agents work in or open tickets are in
// (`conflict`, naming how many), `forbidden` without the capability and `offline` with
// the server down.
import type { ApiError, ErrorCode, Group, GroupInput, SessionState, Ticket } from '../../src/lib/bindings';

function reject(code: ErrorCode, message: string): never {
  throw { code, message } satisfies ApiError;
}

/** What the fake shell lends the groups API. */
export interface GroupsHost {
  state: SessionState;
  serverDown: boolean;
  requireSignedIn(): void;
  tickets(): readonly Ticket[];
  /** The groups of every enabled agent account, one list per agent. */
  enabledAgentGroups(): string[][];
}

const DAY = 24 * 60 * 60_000;

/** The teams the fixtures' tickets and agents carry (fixtures.ts), as the demo names them. */
export function seedGroups(now: number): Group[] {
  return [
    {
      id: 'cn-support',
      names: { 'zh-CN': '中文一线', en: 'Chinese tier 1' },
      description: '中文客户的一线支持：确认、到账、账户与使用问题',
      updated_at: now - 20 * DAY,
    },
    {
      id: 'global-support',
      names: { 'zh-CN': '国际一线', en: 'Global tier 1' },
      description: 'First-line support for customers writing in English',
      updated_at: now - 20 * DAY,
    },
    {
      id: 'vip-desk',
      names: { 'zh-CN': 'VIP 专席', en: 'VIP desk' },
      description: 'VIP and institutional customers, and large transactions before they are made',
      updated_at: now - 6 * DAY,
    },
    { id: 'security', names: { 'zh-CN': '安全组', en: 'Security' }, updated_at: now - 3 * DAY },
  ];
}

const FIELDS = new Set(['names', 'description']);

export class FakeGroups {
  groups: Group[];

  constructor(
    private host: GroupsHost,
    now: number,
  ) {
    this.groups = seedGroups(now);
  }

  static readonly COMMANDS = new Set(['groups', 'admin_put_group', 'admin_delete_group']);

  handle(cmd: string, args: Record<string, unknown>): unknown {
    this.host.requireSignedIn();
    if (cmd === 'groups') return [...this.groups].sort((a, b) => (a.id < b.id ? -1 : 1)).map((g) => structuredClone(g));
    if (!this.host.state.capabilities.includes('manage_groups')) reject('forbidden', 'managing groups needs the admin role');
    if (this.host.serverDown) reject('offline', `cannot reach the server at ${this.host.state.server_url ?? 'the server'}`);
    const id = args.groupId;
    if (typeof id !== 'string') reject('bad_request', `${cmd} needs groupId`);
    switch (cmd) {
      case 'admin_put_group':
        return this.put(id, args.input);
      case 'admin_delete_group':
        return this.remove(id);
      default:
        return reject('internal', `unknown command ${cmd}`);
    }
  }

  private put(id: string, raw: unknown): Group {
    if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(id)) {
      reject('bad_request', `${JSON.stringify(id)} is not a group id: 1-64 lowercase letters, digits, '-', '_' or '.', starting with a letter or digit`);
    }
    if (!raw || typeof raw !== 'object') reject('bad_request', 'the group is not an object');
    for (const key of Object.keys(raw)) if (!FIELDS.has(key)) reject('bad_request', `unknown field \`${key}\``);
    const input = raw as GroupInput;
    const entries = Object.entries(input.names ?? {});
    if (entries.length === 0) reject('bad_request', 'a group has a name in at least one language');
    const names: Record<string, string> = {};
    for (const [language, name] of entries) {
      if (!/^[A-Za-z][A-Za-z0-9-]{1,34}$/.test(language)) reject('bad_request', `${JSON.stringify(language)} is not a language tag such as zh-CN or en`);
      const trimmed = name.trim();
      if (trimmed === '' || [...trimmed].length > 100 || /\p{Cc}/u.test(trimmed)) {
        reject('bad_request', `the ${language} name is 1-100 characters without control characters`);
      }
      names[language] = trimmed;
    }
    const description = input.description?.trim() ?? '';
    if ([...description].length > 500) reject('bad_request', "a group's description is at most 500 characters");
    const before = this.groups.find((g) => g.id === id);
    const stored: Group = {
      id,
      names,
      ...(description === '' ? {} : { description }),
      updated_at: Math.max(Date.now(), (before?.updated_at ?? 0) + 1),
    };
    // The feed brings it to the cache at the next sync; here, at once.
    this.groups = [...this.groups.filter((g) => g.id !== id), stored];
    return structuredClone(stored);
  }

  private remove(id: string): null {
    if (!this.groups.some((g) => g.id === id)) reject('not_found', `no group ${JSON.stringify(id)}`);
    const agents = this.host.enabledAgentGroups().filter((groups) => groups.includes(id)).length;
    const tickets = this.host.tickets().filter((t) => t.group === id && t.status !== 'solved' && t.status !== 'closed').length;
    if (agents > 0 || tickets > 0) {
      reject(
        'conflict',
        `group ${id} is still used by ${agents} enabled agent(s) and ${tickets} open ticket(s): move them to another group first`,
      );
    }
    this.groups = this.groups.filter((g) => g.id !== id);
    return null;
  }
}
