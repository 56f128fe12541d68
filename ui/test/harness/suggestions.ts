// `suggest_knowledge` as the fake shell answers it: desk-store's suggestion over the fake
// cache, simplified. The ticket's subject (counted twice) and its customer's latest
// messages are cut into terms as desk-core's `key_terms` does (words of three or more
// letters, pairs of CJK characters, common ones dropped); each published translation scores
// the rarity of the terms it contains, raised for the ticket's language and category, and
// an article is offered in the ticket's language when it has one. Macros with a body for
// that language are matched by their words and category. Offline too: it is the cache's.
import type { ArticleSuggestion, Category, KbArticle, KnowledgeSuggestions, MacroSuggestion } from '../../src/lib/bindings';
import { pickBody } from '../../src/lib/macros';
import type { Dataset } from './fixtures';

const MAX_TERMS = 24;
const MESSAGES = 3;
const ARTICLES = 5;
const MACROS = 5;
const CATEGORY_BOOST = 1.5;
const LANGUAGE_BOOST = 1.2;

// desk-core keywords.rs, abridged.
const STOP_WORDS = new Set(
  'the and for you your yours are was were have has had not but with this that these those from they them there their what when where which who why how can could would should will just please thanks thank hello dear team support help any all our out about into been being does did doing get got still yet now today also very some more than then here its it\'s i\'m don\'t didn\'t can\'t regards best sent want need know let one two time'.split(' '),
);
const STOP_PAIRS = new Set(
  '你好 您好 谢谢 请问 我的 你们 我们 一下 没有 什么 怎么 可以 这个 那个 已经 还是 但是 因为 所以 如果 现在 今天 就是 一个 不是 时候 问题 帮忙 麻烦 客服 是不 不了 了吗 的话 了一 好的 感谢 为什 一直 还没 是什 么办'.split(' '),
);
const CJK = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3041-\u3096\u30a1-\u30fa\uac00-\ud7a3]/u;

/** The terms of `parts`, most frequent first, ties in order of first appearance. */
export function keyTerms(parts: readonly (readonly [string, number])[]): string[] {
  const counts = new Map<string, number>();
  const add = (term: string, weight: number) => counts.set(term, (counts.get(term) ?? 0) + weight);
  for (const [text, weight] of parts) {
    let word = '';
    let prev: string | null = null;
    const flush = () => {
      const n = [...word].length;
      if (n >= 3 && n <= 32 && !/^\d+$/.test(word) && !STOP_WORDS.has(word)) add(word, weight);
      word = '';
    };
    for (const c of text.toLowerCase()) {
      if (CJK.test(c)) {
        flush();
        if (prev !== null && !STOP_PAIRS.has(prev + c)) add(prev + c, weight);
        prev = c;
      } else {
        prev = null;
        if (/[\p{L}\p{N}]/u.test(c) || (c === "'" && word !== '')) word += c;
        else flush();
      }
    }
    flush();
  }
  // Map order is first appearance; the sort is stable.
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, MAX_TERMS).map(([t]) => t);
}

const base = (tag: string) => tag.split(/[-_]/)[0]!.toLowerCase();

/** The translation to offer: the ticket's language (or its base language), else English,
 * else the first. */
function offered(article: KbArticle, language: string): string {
  const tags = Object.keys(article.translations);
  const pick = (want: string) =>
    tags.find((t) => t.toLowerCase() === want.toLowerCase()) ?? tags.find((t) => base(t) === base(want));
  return pick(language) ?? pick('en') ?? tags[0]!;
}

export function suggestKnowledge(
  data: Dataset,
  articles: readonly KbArticle[],
  serverUrl: string | null,
  ticketId: string,
  fallback: string,
): KnowledgeSuggestions | null {
  const ticket = data.tickets.find((t) => t.id === ticketId);
  if (!ticket) return null;
  const language = ticket.language === '' || ticket.language === 'und' ? fallback : ticket.language;
  const said = data.messages
    .filter((m) => m.ticket_id === ticketId && m.kind === 'public_reply' && m.author.kind === 'customer')
    .sort((a, b) => b.created_at - a.created_at)
    .slice(0, MESSAGES)
    .map((m): [string, number] => [m.body_text, 1]);
  const terms = keyTerms([[ticket.subject, 2], ...said]);
  return {
    articles: suggestArticles(articles, terms, ticket.category, language, serverUrl),
    macros: suggestMacros(data, terms, ticket.category, language),
  };
}

function suggestArticles(
  articles: readonly KbArticle[],
  terms: readonly string[],
  category: Category,
  language: string,
  serverUrl: string | null,
): ArticleSuggestion[] {
  const docs = articles.flatMap((a) =>
    Object.entries(a.translations).map(([tag, t]) => ({ article: a, tag, text: `${t.title}\n${t.body}`.toLowerCase() })),
  );
  const weight = new Map(
    terms.map((term) => {
      const df = docs.filter((d) => d.text.includes(term)).length;
      return [term, df === 0 ? 0 : Math.log(1 + docs.length / df)];
    }),
  );
  const best = new Map<string, { score: number; matched: string[]; article: KbArticle }>();
  for (const doc of docs) {
    const { article } = doc;
    if (article.status !== 'published' || article.deleted_at !== undefined) continue;
    const matched = terms.filter((t) => doc.text.includes(t)).sort((a, b) => weight.get(b)! - weight.get(a)!);
    if (matched.length === 0) continue;
    let score = matched.reduce((sum, t) => sum + weight.get(t)!, 0);
    if (base(doc.tag) === base(language)) score *= LANGUAGE_BOOST;
    if (article.categories.includes(category)) score *= CATEGORY_BOOST;
    const seen = best.get(article.id);
    if (!seen || score > seen.score) best.set(article.id, { score, matched, article });
  }
  const server = serverUrl?.replace(/\/+$/, '') ?? null;
  return [...best.values()]
    .sort((a, b) => b.score - a.score || a.article.id.localeCompare(b.article.id))
    .slice(0, ARTICLES)
    .map(({ article, matched }) => {
      const tag = offered(article, language);
      const t = article.translations[tag]!;
      return {
        article_id: article.id,
        language: tag,
        title: t.title,
        body: t.body,
        ...(server === null ? {} : { url: `${server}/help/${encodeURIComponent(article.id)}?lang=${encodeURIComponent(tag)}` }),
        matched,
        same_category: article.categories.includes(category),
      };
    });
}

function suggestMacros(data: Dataset, terms: readonly string[], category: Category, language: string): MacroSuggestion[] {
  const found: { score: number; suggestion: MacroSuggestion }[] = [];
  for (const m of data.macros) {
    const body = pickBody(m, language);
    if (body === null || m.deleted_at !== undefined) continue;
    const same = m.categories.includes(category);
    // Written for other categories: not for this ticket, unless it is not sorted yet.
    if (m.categories.length > 0 && !same && category !== 'other') continue;
    const text = `${m.title} ${body}`.toLowerCase();
    const matched = terms.filter((t) => text.includes(t));
    if (matched.length === 0 && !same) continue;
    found.push({
      score: matched.length + (same ? 1.5 : 0),
      suggestion: { macro_id: m.id, title: m.title, matched, same_category: same },
    });
  }
  return found
    .sort((a, b) => b.score - a.score || a.suggestion.title.localeCompare(b.suggestion.title))
    .slice(0, MACROS)
    .map((f) => f.suggestion);
}
