// Macros and knowledge-base articles as the fake shell answers them: the cache reads
// (`macros` is the shell's own, over `data.macros`; `kb_articles` here, drafts too), the
// supervisors' writes with desk-core's checks (`admin::macro_from`, `article_from`: ids,
// titles, language tags, placeholders the console can fill, a body asking the customer
// for a secret), `forbidden` without the capability and `offline` with the server down,
// and `render_markdown`, a small stand-in for desk-core's renderer with its rules: raw
// HTML shown as text, links only http(s) and mailto, no images.
import type {
  ApiError,
  ArticleInput,
  Capability,
  Category,
  ErrorCode,
  KbArticle,
  KbTranslation,
  Macro,
  MacroAction,
  MacroInput,
  SessionState,
} from '../../src/lib/bindings';
import { CATEGORIES } from '../../src/lib/enums';
import { MACRO_VARIABLES } from '../../src/features/knowledge/knowledge';
import type { Dataset } from './fixtures';

function reject(code: ErrorCode, message: string): never {
  throw { code, message } satisfies ApiError;
}

/** What the fake shell lends the knowledge API. */
export interface KnowledgeHost {
  data: Dataset;
  state: SessionState;
  serverDown: boolean;
  requireSignedIn(): void;
}

const MIN = 60_000;
const DAY = 24 * 60 * MIN;

/** The articles the desk starts with: a published one in two languages, a draft in one. */
export function seedArticles(now: number): KbArticle[] {
  return [
    {
      id: 'confirm-withdrawal',
      translations: {
        'zh-CN': {
          title: '如何在 App 中确认提币',
          body: '# 确认提币\n\n1. 打开 **App**，进入“资产”。\n2. 点击等待确认的提币。\n3. 核对地址后确认。\n\n更多说明见 [帮助中心](https://help.wallet.example/confirm)。',
        },
        en: {
          title: 'Confirming a withdrawal in the app',
          body: '# Confirm a withdrawal\n\n1. Open the **app** and go to *Assets*.\n2. Tap the withdrawal waiting for you.\n3. Check the address, then confirm.',
        },
      },
      tags: ['withdrawal', 'guide'],
      categories: ['transaction_confirmation'],
      updated_at: now - 3 * DAY,
      status: 'published',
    },
    {
      id: 'tron-delays',
      translations: {
        'zh-CN': { title: 'TRON 网络拥堵时的到账时间', body: '网络拥堵时，TRON 提币可能需要 **30 分钟**以上。' },
      },
      tags: ['tron'],
      categories: ['funds_not_arrived'],
      updated_at: now - 2 * 60 * MIN,
      status: 'draft',
    },
  ];
}

const MACRO_FIELDS = new Set(['title', 'bodies', 'actions', 'categories']);
const ARTICLE_FIELDS = new Set(['translations', 'tags', 'categories', 'status']);

/** desk-core's `deny_unknown_fields`: a misspelt field is refused, never dropped. */
function onlyKnown(value: unknown, fields: Set<string>, what: string): asserts value is Record<string, unknown> {
  if (!value || typeof value !== 'object') reject('bad_request', `${what} is not an object`);
  for (const key of Object.keys(value)) {
    if (!fields.has(key)) reject('bad_request', `unknown field \`${key}\` in ${what}`);
  }
}

function checkId(id: unknown): string {
  if (typeof id !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
    reject('bad_request', `${JSON.stringify(id)} is not an id: 1-64 letters, digits, '-', '_' or '.'`);
  }
  return id;
}

function checkTitle(title: unknown, what: string): string {
  const trimmed = typeof title === 'string' ? title.trim() : '';
  if (trimmed === '' || [...trimmed].length > 200 || /\p{Cc}/u.test(trimmed)) {
    reject('bad_request', `${what} is 1-200 characters without control characters`);
  }
  return trimmed;
}

function checkLanguages(languages: readonly string[]): void {
  for (const tag of languages) {
    if (!/^[A-Za-z][A-Za-z0-9-]{1,34}$/.test(tag.trim())) reject('bad_request', `${JSON.stringify(tag)} is not a language tag such as zh-CN or en`);
  }
}

function cleanTags(tags: readonly string[]): string[] {
  if (tags.length === 0) reject('bad_request', 'no tags given');
  const out: string[] = [];
  for (const raw of tags) {
    const tag = raw.trim();
    if (tag === '') reject('bad_request', 'a tag cannot be empty');
    if ([...tag].length > 64) reject('bad_request', `tag ${JSON.stringify(tag)} is longer than 64 characters`);
    if (!out.includes(tag)) out.push(tag);
  }
  return out;
}

function checkCategories(categories: readonly Category[]): Category[] {
  for (const c of categories) if (!CATEGORIES.includes(c)) reject('bad_request', `unknown variant \`${c}\``);
  return [...new Set(categories)].sort();
}

/** desk-core `guard::asks_for_secret`, much simplified: asking for a recovery phrase or a
 * private key is refused in any language. */
const ASKS_FOR_SECRET = /(?:send|share|tell|give|provide|enter|发|提供|告诉|输入).{0,24}(?:recovery phrase|seed phrase|private key|助记词|私钥)/i;

function placeholders(body: string): string[] {
  return [...body.matchAll(/\{\{([^}]*)\}\}/g)].map((m) => m[1]!.trim());
}

export class FakeKnowledge {
  articles: KbArticle[];

  constructor(
    private host: KnowledgeHost,
    now: number,
  ) {
    // A copy: writes must not reach the fixtures other shells start from.
    host.data.macros = host.data.macros.map((m) => structuredClone(m));
    this.articles = seedArticles(now);
  }

  static readonly COMMANDS = new Set([
    'admin_put_macro',
    'admin_delete_macro',
    'admin_put_article',
    'admin_delete_article',
    'kb_articles',
    'render_markdown',
  ]);

  handle(cmd: string, args: Record<string, unknown>): unknown {
    if (cmd === 'render_markdown') {
      if (typeof args.text !== 'string') reject('bad_request', 'render_markdown needs text');
      return renderMarkdown(args.text);
    }
    this.host.requireSignedIn();
    if (cmd === 'kb_articles') return [...this.articles].sort((a, b) => a.id.localeCompare(b.id));
    this.require(cmd.includes('macro') ? 'manage_macros' : 'manage_knowledge');
    if (this.host.serverDown) reject('offline', `cannot reach the server at ${this.host.state.server_url ?? 'the server'}`);
    switch (cmd) {
      case 'admin_put_macro':
        return this.putMacro(checkId(args.macroId), args.input);
      case 'admin_delete_macro':
        return this.deleteMacro(checkId(args.macroId));
      case 'admin_put_article':
        return this.putArticle(checkId(args.articleId), args.input);
      case 'admin_delete_article':
        return this.deleteArticle(checkId(args.articleId));
      default:
        return reject('internal', `unknown command ${cmd}`);
    }
  }

  /** The server's gate: `forbidden` before anything is read. */
  private require(capability: Capability): void {
    if (!this.host.state.capabilities.includes(capability)) {
      reject('forbidden', capability === 'manage_macros' ? 'writing macros needs the supervisor role' : 'writing articles needs the supervisor role');
    }
  }

  /** A time after every record's, as the server's clock moves on. */
  private stamp(previous: number | undefined): number {
    return Math.max(Date.now(), (previous ?? 0) + 1);
  }

  private putMacro(id: string, raw: unknown): Macro {
    onlyKnown(raw, MACRO_FIELDS, 'the macro');
    const input = raw as unknown as MacroInput;
    const title = checkTitle(input.title, "a macro's title");
    const bodies = input.bodies ?? {};
    if (Object.keys(bodies).length === 0) reject('bad_request', 'a macro has a body in at least one language');
    checkLanguages(Object.keys(bodies));
    const variables: string[] = [];
    for (const [language, body] of Object.entries(bodies)) {
      if (body.trim() === '') reject('bad_request', `the ${language} body is empty`);
      const asks = ASKS_FOR_SECRET.exec(body);
      if (asks) {
        reject(
          'bad_request',
          `the ${language} body asks the customer for a recovery phrase or key (${JSON.stringify(asks[0])}); support never asks for one, and scammers do: rephrase it, or write an internal note`,
        );
      }
      for (const name of placeholders(body)) {
        if (!(MACRO_VARIABLES as readonly string[]).includes(name)) {
          reject('bad_request', `the ${language} body uses {{${name}}}, which the console cannot fill; known: ${MACRO_VARIABLES.join(', ')}`);
        }
        if (!variables.includes(name)) variables.push(name);
      }
    }
    const actions: MacroAction[] = (input.actions ?? []).map((a) =>
      a.type === 'add_tags' || a.type === 'remove_tags' ? { type: a.type, tags: cleanTags(a.tags) } : a,
    );
    const before = this.host.data.macros.find((m) => m.id === id);
    const stored: Macro = {
      id,
      title,
      bodies: { ...bodies },
      variables,
      actions,
      categories: checkCategories(input.categories ?? []),
      updated_at: this.stamp(before?.updated_at),
    };
    // The feed brings it to the cache at the next sync; here, at once.
    this.host.data.macros = [...this.host.data.macros.filter((m) => m.id !== id), stored];
    return structuredClone(stored);
  }

  private deleteMacro(id: string): null {
    if (!this.host.data.macros.some((m) => m.id === id)) reject('not_found', `no macro ${JSON.stringify(id)}`);
    this.host.data.macros = this.host.data.macros.filter((m) => m.id !== id);
    return null;
  }

  private putArticle(id: string, raw: unknown): KbArticle {
    onlyKnown(raw, ARTICLE_FIELDS, 'the article');
    const input = raw as unknown as ArticleInput;
    if (input.status !== 'draft' && input.status !== 'published') reject('bad_request', `unknown variant \`${String(input.status)}\`, expected \`draft\` or \`published\``);
    const entries = Object.entries(input.translations ?? {});
    if (entries.length === 0) reject('bad_request', 'an article has at least one language');
    checkLanguages(entries.map(([language]) => language));
    const translations: Record<string, KbTranslation> = {};
    for (const [language, t] of entries) {
      const title = checkTitle(t.title, `the ${language} title`);
      if (t.body.trim() === '') reject('bad_request', `the ${language} body is empty`);
      translations[language] = { title, body: t.body };
    }
    const tags = (input.tags ?? []).length === 0 ? [] : cleanTags(input.tags);
    if (tags.length > 50) reject('bad_request', 'an article has at most 50 tags');
    const before = this.articles.find((a) => a.id === id);
    const stored: KbArticle = {
      id,
      translations,
      tags,
      categories: checkCategories(input.categories ?? []),
      updated_at: this.stamp(before?.updated_at),
      status: input.status,
    };
    this.articles = [...this.articles.filter((a) => a.id !== id), stored];
    return structuredClone(stored);
  }

  private deleteArticle(id: string): null {
    if (!this.articles.some((a) => a.id === id)) reject('not_found', `no article ${JSON.stringify(id)}`);
    this.articles = this.articles.filter((a) => a.id !== id);
    return null;
  }
}

// ---- a small stand-in for desk_core::markdown::to_html

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** Inline Markdown over text already escaped: code, links (only http, https, mailto keep
 * their target, as the allowlist does), strong, emphasis, strikethrough; images dropped. */
function inline(escaped: string): string {
  return escaped
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_, label: string, href: string) =>
      /^(?:https?:|mailto:)/i.test(href)
        ? `<a href="${href}" rel="noopener noreferrer nofollow">${label}</a>`
        : `<a rel="noopener noreferrer nofollow">${label}</a>`,
    )
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/~~([^~]+)~~/g, '<del>$1</del>')
    .replace(/(^|[^*\w])\*([^*\s][^*]*)\*/g, '$1<em>$2</em>');
}

export function renderMarkdown(markdown: string): string {
  const out: string[] = [];
  let paragraph: string[] = [];
  let list = null as { tag: 'ul' | 'ol'; items: string[] } | null;
  const flush = () => {
    if (paragraph.length) out.push(`<p>${inline(escapeHtml(paragraph.join('\n')))}</p>`);
    paragraph = [];
    if (list) out.push(`<${list.tag}>${list.items.map((i) => `<li>${inline(escapeHtml(i))}</li>`).join('')}</${list.tag}>`);
    list = null;
  };
  for (const line of markdown.split(/\r?\n/)) {
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    if (line.trim() === '') {
      flush();
    } else if (heading) {
      flush();
      const level = heading[1]!.length;
      out.push(`<h${level}>${inline(escapeHtml(heading[2]!.trim()))}</h${level}>`);
    } else if (bullet || numbered) {
      const tag = bullet ? 'ul' : 'ol';
      if (paragraph.length || (list && list.tag !== tag)) flush();
      list ??= { tag, items: [] };
      list.items.push((bullet ?? numbered)![1]!);
    } else {
      if (list) flush();
      paragraph.push(line);
    }
  }
  flush();
  return out.join('\n');
}
