// Macros and knowledge-base articles as supervisors write them (DESIGN.md §3, §11): the
// shell's commands, and what the two editors decide without a DOM. The forms' values in,
// desk-core's `admin::MacroInput` / `ArticleInput` out; the server checks them again
// (`desk_core::admin::macro_from`, `article_from`) and its refusal is shown as it comes.
import { call } from '../../lib/api';
import type {
  ArticleInput,
  Category,
  KbArticle,
  KbStatus,
  KbTranslation,
  Macro,
  MacroAction,
  MacroInput,
  Priority,
  TicketStatus,
} from '../../lib/bindings';
import type { MessageKey, Params } from '../../lib/i18n';
import { splitList } from '../admin/admin';

export const knowledgeApi = {
  /** Every cached macro, in every language. Offline too. */
  macros: () => call<Macro[]>('macros', { language: null }),
  /** Creates or replaces a macro (supervisors); answers it as the server stored it. */
  putMacro: (macroId: string, input: MacroInput) => call<Macro>('admin_put_macro', { macroId, input }),
  deleteMacro: (macroId: string) => call<null>('admin_delete_macro', { macroId }),
  /** Every cached article, drafts too. Offline too. */
  articles: () => call<KbArticle[]>('kb_articles'),
  /** Creates or replaces an article (supervisors); answers it as the server stored it. */
  putArticle: (articleId: string, input: ArticleInput) => call<KbArticle>('admin_put_article', { articleId, input }),
  deleteArticle: (articleId: string) => call<null>('admin_delete_article', { articleId }),
  /** Markdown as the help center renders it: desk-core's renderer, then its allowlist. */
  renderMarkdown: (text: string) => call<string>('render_markdown', { text }),
};

/** desk-core `admin::MACRO_VARIABLES`, in its order (a test in src-tauri/tests/admin.rs
 * holds the two together): what the console fills from the open ticket. */
export const MACRO_VARIABLES = [
  'customer.name',
  'customer.email',
  'ticket.number',
  'ticket.subject',
  'agent.name',
  'transaction.amount',
  'transaction.asset',
  'transaction.chain',
  'transaction.hash',
  'transaction.confirmations',
  'transaction.required_confirmations',
] as const;

/** The languages a new macro or article starts with, each on a tab of its own. */
export const STARTING_LANGUAGES: readonly string[] = ['zh-CN', 'en'];

/** desk-core `admin::MAX_TITLE_CHARS`. */
export const MAX_TITLE_CHARS = 200;

/** desk-core `admin::check_record_id`: 1–64 letters, digits, `-`, `_`, `.`. */
export function isRecordId(id: string): boolean {
  return /^[A-Za-z0-9._-]{1,64}$/.test(id);
}

/** One tag as desk-core `admin::check_languages` takes it (`zh-CN`, `en`, `pt-BR`). */
export function isLanguageTag(tag: string): boolean {
  return /^[A-Za-z][A-Za-z0-9-]{1,34}$/.test(tag);
}

/** A language tag as a person reads it in `locale` ("Chinese (China)", "中文（中国）");
 * the tag itself when the platform has no name for it. */
export function languageName(tag: string, locale: string): string {
  try {
    const name = new Intl.DisplayNames([locale], { type: 'language' }).of(tag);
    return name && name !== tag ? name : tag;
  } catch {
    return tag;
  }
}

/** An id for a new record from its title: its Latin letters and digits, lowercased and
 * joined by `-` ("Confirm in wallet" → `confirm-in-wallet`); a title with none (请在钱包确认)
 * gets `prefix-` and the time in base 36. Never one of `taken`: a write replaces whatever
 * holds its id, so a new record must not land on an old one. */
export function idFromTitle(title: string, taken: ReadonlySet<string>, prefix: string, now = Date.now()): string {
  const words =
    title
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .match(/[a-z0-9]+/g) ?? [];
  let base = '';
  for (const word of words) {
    const next = base === '' ? word : `${base}-${word}`;
    if (next.length > 56) break;
    base = next;
  }
  if (base === '') base = `${prefix}-${now.toString(36)}`;
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

/** `insert` put in place of `text`'s selection `start..end`; the caret goes after it. */
export function insertAt(text: string, start: number, end: number, insert: string): { text: string; caret: number } {
  const from = Math.max(0, Math.min(start, text.length));
  const to = Math.max(from, Math.min(end, text.length));
  return { text: text.slice(0, from) + insert + text.slice(to), caret: from + insert.length };
}

/** A problem the form finds before asking the server: a message key and its values. */
export interface FormProblem {
  key: MessageKey;
  params?: Params;
}

function checkTitle(title: string, key: MessageKey, params?: Params): FormProblem | null {
  const trimmed = title.trim();
  if (trimmed === '' || [...trimmed].length > MAX_TITLE_CHARS) return { key, params: { ...params, max: MAX_TITLE_CHARS } };
  return null;
}

// ---- macros

export type ActionType = MacroAction['type'];
export const ACTION_TYPES: readonly ActionType[] = ['set_status', 'set_priority', 'set_category', 'add_tags', 'remove_tags'];

/** One action as the form holds it: every field, so switching its type loses nothing. */
export interface ActionDraft {
  type: ActionType;
  status: TicketStatus;
  priority: Priority;
  category: Category;
  /** Tags as typed, separated by commas. */
  tags: string;
}

export function blankAction(type: ActionType = 'set_status'): ActionDraft {
  return { type, status: 'pending_customer', priority: 'normal', category: 'other', tags: '' };
}

export function draftOf(action: MacroAction): ActionDraft {
  const draft = blankAction(action.type);
  switch (action.type) {
    case 'set_status':
      return { ...draft, status: action.status };
    case 'set_priority':
      return { ...draft, priority: action.priority };
    case 'set_category':
      return { ...draft, category: action.category };
    case 'add_tags':
    case 'remove_tags':
      return { ...draft, tags: action.tags.join(', ') };
  }
}

/** The action a draft says; null for a tag action without tags. */
export function actionOf(draft: ActionDraft): MacroAction | null {
  switch (draft.type) {
    case 'set_status':
      return { type: 'set_status', status: draft.status };
    case 'set_priority':
      return { type: 'set_priority', priority: draft.priority };
    case 'set_category':
      return { type: 'set_category', category: draft.category };
    case 'add_tags':
    case 'remove_tags': {
      const tags = splitList(draft.tags);
      return tags.length === 0 ? null : { type: draft.type, tags };
    }
  }
}

/** One language's text of a macro. */
export interface MacroBody {
  language: string;
  body: string;
}

export interface MacroFormValues {
  id: string;
  title: string;
  /** In tab order. */
  bodies: MacroBody[];
  actions: ActionDraft[];
  categories: Category[];
}

export function blankMacroForm(): MacroFormValues {
  return { id: '', title: '', bodies: STARTING_LANGUAGES.map((language) => ({ language, body: '' })), actions: [], categories: [] };
}

/** The form for an existing macro: its languages in the order the editors start with,
 * then the rest as stored. */
export function macroFormOf(m: Macro): MacroFormValues {
  return {
    id: m.id,
    title: m.title,
    bodies: orderLanguages(Object.keys(m.bodies)).map((language) => ({ language, body: m.bodies[language] ?? '' })),
    actions: m.actions.map(draftOf),
    categories: [...m.categories],
  };
}

export function orderLanguages(languages: readonly string[]): string[] {
  const rank = (l: string) => {
    const i = STARTING_LANGUAGES.indexOf(l);
    return i < 0 ? STARTING_LANGUAGES.length : i;
  };
  return [...languages].sort((a, b) => rank(a) - rank(b));
}

/** What the form asks the server to store, or the first thing to fix. Languages left
 * empty are not sent (a macro is written in one language, or several). */
export function macroInput(form: MacroFormValues): { input: MacroInput } | { problem: FormProblem } {
  if (!isRecordId(form.id)) return { problem: { key: 'knowledge.form.bad_id' } };
  const title = checkTitle(form.title, 'knowledge.form.title_needed');
  if (title) return { problem: title };
  const bodies: Record<string, string> = {};
  for (const { language, body } of form.bodies) {
    if (body.trim() !== '') bodies[language] = body;
  }
  if (Object.keys(bodies).length === 0) return { problem: { key: 'knowledge.macro.body_needed' } };
  const actions: MacroAction[] = [];
  for (const draft of form.actions) {
    const action = actionOf(draft);
    if (action === null) return { problem: { key: 'knowledge.macro.tags_needed' } };
    actions.push(action);
  }
  return { input: { title: form.title.trim(), bodies, actions, categories: [...form.categories] } };
}

export function sortMacros(macros: readonly Macro[], locale: string): Macro[] {
  return [...macros].sort((a, b) => a.title.localeCompare(b.title, locale) || a.id.localeCompare(b.id));
}

// ---- articles

/** One language's version of an article. */
export interface ArticleTranslation {
  language: string;
  title: string;
  body: string;
}

export interface ArticleFormValues {
  id: string;
  translations: ArticleTranslation[];
  /** As typed, separated by commas. */
  tags: string;
  categories: Category[];
  status: KbStatus;
}

/** A new article starts as a draft: off the help center until someone publishes it. */
export function blankArticleForm(): ArticleFormValues {
  return {
    id: '',
    translations: STARTING_LANGUAGES.map((language) => ({ language, title: '', body: '' })),
    tags: '',
    categories: [],
    status: 'draft',
  };
}

export function articleFormOf(a: KbArticle): ArticleFormValues {
  return {
    id: a.id,
    translations: orderLanguages(Object.keys(a.translations)).map((language) => ({
      language,
      title: a.translations[language]?.title ?? '',
      body: a.translations[language]?.body ?? '',
    })),
    tags: a.tags.join(', '),
    categories: [...a.categories],
    status: a.status,
  };
}

/** What the form asks the server to store, or the first thing to fix. A language left
 * wholly empty is not sent; one with a title and no body (or the other way) is a mistake. */
export function articleInput(form: ArticleFormValues): { input: ArticleInput } | { problem: FormProblem } {
  if (!isRecordId(form.id)) return { problem: { key: 'knowledge.form.bad_id' } };
  const translations: Record<string, KbTranslation> = {};
  for (const { language, title, body } of form.translations) {
    const hasTitle = title.trim() !== '';
    const hasBody = body.trim() !== '';
    if (!hasTitle && !hasBody) continue;
    if (!hasBody) return { problem: { key: 'knowledge.article.body_needed', params: { language } } };
    const bad = checkTitle(title, 'knowledge.article.title_needed', { language });
    if (bad) return { problem: bad };
    translations[language] = { title: title.trim(), body };
  }
  if (Object.keys(translations).length === 0) return { problem: { key: 'knowledge.article.language_needed' } };
  return { input: { translations, tags: splitList(form.tags), categories: [...form.categories], status: form.status } };
}

/** The language of `record`'s to show in `locale`: the same tag, else the same base
 * language, else the editors' first language it has, else its first. */
export function pickLanguage(languages: readonly string[], locale: string): string | null {
  const base = (tag: string) => tag.split(/[-_]/)[0]!.toLowerCase();
  return (
    languages.find((l) => l.toLowerCase() === locale.toLowerCase()) ??
    languages.find((l) => base(l) === base(locale)) ??
    orderLanguages(languages)[0] ??
    null
  );
}

/** An article's title in the UI language, or the nearest one it has. */
export function articleTitle(a: KbArticle, locale: string): string {
  const language = pickLanguage(Object.keys(a.translations), locale);
  return language === null ? a.id : (a.translations[language]?.title ?? a.id);
}

export type StatusFilter = KbStatus | 'all';

/** Latest change first. */
export function sortArticles(articles: readonly KbArticle[], filter: StatusFilter): KbArticle[] {
  return articles
    .filter((a) => filter === 'all' || a.status === filter)
    .sort((a, b) => b.updated_at - a.updated_at || a.id.localeCompare(b.id));
}

// ---- the list a screen shows

// The cache with this console's writes over it, shared with the Groups screen; named
// here too for this feature's state and tests.
export { overlay } from '../../lib/overlay';
