import { describe, expect, test } from 'vitest';
import type { KbArticle, Macro } from '../../lib/bindings';
import { GO_TO_VIEW } from '../../lib/keyboard';
import { mayShow } from '../../lib/views';
import {
  articleFormOf,
  articleInput,
  articleTitle,
  blankAction,
  blankArticleForm,
  blankMacroForm,
  idFromTitle,
  insertAt,
  isRecordId,
  macroFormOf,
  macroInput,
  overlay,
  pickLanguage,
  sortArticles,
} from './knowledge';

const MACRO: Macro = {
  id: 'confirm-in-wallet',
  title: '请在钱包确认',
  bodies: { en: 'Hi {{customer.name}}', 'zh-CN': '{{customer.name}}您好' },
  variables: ['customer.name'],
  actions: [
    { type: 'set_status', status: 'pending_customer' },
    { type: 'add_tags', tags: ['guide', '指引'] },
  ],
  categories: ['transaction_confirmation'],
  updated_at: 10,
};

const ARTICLE: KbArticle = {
  id: 'confirm-withdrawal',
  translations: {
    en: { title: 'Confirming a withdrawal', body: '# Steps' },
    'zh-CN': { title: '如何确认提币', body: '# 步骤' },
  },
  tags: ['withdrawal'],
  categories: [],
  updated_at: 5,
  status: 'draft',
};

describe('who sees the editors', () => {
  test('macros and articles are a supervisor’s, each by its own capability', () => {
    expect(mayShow('admin_macros', []), 'a plain agent has no capabilities').toBe(false);
    expect(mayShow('admin_articles', [])).toBe(false);
    expect(mayShow('admin_macros', ['manage_macros'])).toBe(true);
    expect(mayShow('admin_articles', ['manage_macros']), 'macros do not open the knowledge base').toBe(false);
    expect(mayShow('admin_articles', ['manage_knowledge'])).toBe(true);
  });

  test('g q and g k go to them, leaving every earlier letter as it was', () => {
    expect(GO_TO_VIEW.q).toBe('admin_macros');
    expect(GO_TO_VIEW.k).toBe('admin_articles');
    expect(GO_TO_VIEW.c, 'g c stays awaiting confirmation').toBe('awaiting_confirmation');
    expect(new Set(Object.values(GO_TO_VIEW)).size, 'one letter per view').toBe(Object.keys(GO_TO_VIEW).length);
  });
});

describe('ids of new records', () => {
  test('come from the title’s Latin words, else a prefix and the time', () => {
    expect(idFromTitle('Confirm the withdrawal in the app', new Set(), 'macro')).toBe('confirm-the-withdrawal-in-the-app');
    expect(idFromTitle('Café: KYC über alles!', new Set(), 'macro'), 'accents folded, punctuation a break').toBe('cafe-kyc-uber-alles');
    expect(idFromTitle('请在钱包确认', new Set(), 'macro', 36 ** 3)).toBe('macro-1000');
    expect(idFromTitle('TRON 提币延迟', new Set(), 'article')).toBe('tron');
  });

  test('never land on an id in use, and are always ids the server takes', () => {
    const taken = new Set(['kyc-needed', 'kyc-needed-2']);
    expect(idFromTitle('KYC needed', taken, 'macro'), 'a write replaces whatever has its id').toBe('kyc-needed-3');
    const long = idFromTitle('word '.repeat(40), new Set(), 'macro');
    expect(isRecordId(long), long).toBe(true);
    expect(long.endsWith('-')).toBe(false);
    expect(isRecordId('a/b')).toBe(false);
    expect(isRecordId('')).toBe(false);
    expect(isRecordId('x'.repeat(65))).toBe(false);
  });
});

test('a variable goes in at the caret, replacing a selection', () => {
  expect(insertAt('Hi , thanks', 3, 3, '{{customer.name}}')).toEqual({ text: 'Hi {{customer.name}}, thanks', caret: 20 });
  expect(insertAt('Hi NAME', 3, 7, '{{customer.name}}')).toEqual({ text: 'Hi {{customer.name}}', caret: 20 });
  expect(insertAt('abc', 99, 99, 'x'), 'past the end: at the end').toEqual({ text: 'abcx', caret: 4 });
});

describe('the macro form', () => {
  test('sends what was typed, languages left empty left out', () => {
    const form = blankMacroForm();
    expect(form.bodies.map((b) => b.language), 'a new macro starts with zh-CN and en').toEqual(['zh-CN', 'en']);
    form.id = 'sorry-for-the-wait';
    form.title = '  Sorry for the wait  ';
    form.bodies[1]!.body = 'Sorry for the wait, {{customer.name}}.';
    form.actions = [{ ...blankAction('add_tags'), tags: 'apology，delay, apology' }, blankAction('set_priority')];
    form.categories = ['complaint'];
    expect(macroInput(form)).toEqual({
      input: {
        title: 'Sorry for the wait',
        bodies: { en: 'Sorry for the wait, {{customer.name}}.' },
        actions: [
          { type: 'add_tags', tags: ['apology', 'delay'] },
          { type: 'set_priority', priority: 'normal' },
        ],
        categories: ['complaint'],
      },
    });
  });

  test('says what to fix before asking the server', () => {
    const form = blankMacroForm();
    form.title = 'x';
    expect(macroInput(form)).toEqual({ problem: { key: 'knowledge.form.bad_id' } });
    form.id = 'x';
    expect(macroInput(form)).toEqual({ problem: { key: 'knowledge.macro.body_needed' } });
    form.bodies[0]!.body = '   ';
    expect(macroInput(form), 'blank is empty').toEqual({ problem: { key: 'knowledge.macro.body_needed' } });
    form.bodies[0]!.body = '您好';
    form.actions = [blankAction('remove_tags')];
    expect(macroInput(form)).toEqual({ problem: { key: 'knowledge.macro.tags_needed' } });
    form.title = ' ';
    expect(macroInput(form)).toEqual({ problem: { key: 'knowledge.form.title_needed', params: { max: 200 } } });
  });

  test('opens a macro as stored and sends it back unchanged', () => {
    const form = macroFormOf(MACRO);
    expect(form.bodies.map((b) => b.language), 'the editors’ languages first').toEqual(['zh-CN', 'en']);
    expect(form.actions[1]!.tags).toBe('guide, 指引');
    expect(macroInput(form)).toEqual({
      input: { title: MACRO.title, bodies: MACRO.bodies, actions: MACRO.actions, categories: MACRO.categories },
    });
  });
});

describe('the article form', () => {
  test('a new article is a draft, and a half-written language is a mistake', () => {
    const form = blankArticleForm();
    expect(form.status, 'nothing reaches the help center by accident').toBe('draft');
    form.id = 'reset-2fa';
    expect(articleInput(form)).toEqual({ problem: { key: 'knowledge.article.language_needed' } });
    form.translations[0]!.title = '重置两步验证';
    expect(articleInput(form)).toEqual({ problem: { key: 'knowledge.article.body_needed', params: { language: 'zh-CN' } } });
    form.translations[0]!.body = '联系客服并完成身份验证。';
    form.tags = '2fa, 安全、 2fa';
    expect(articleInput(form)).toEqual({
      input: {
        translations: { 'zh-CN': { title: '重置两步验证', body: '联系客服并完成身份验证。' } },
        tags: ['2fa', '安全'],
        categories: [],
        status: 'draft',
      },
    });
  });

  test('opens an article as stored and sends it back unchanged', () => {
    const { translations, tags, categories, status } = ARTICLE;
    expect(articleInput(articleFormOf(ARTICLE))).toEqual({ input: { translations, tags, categories, status } });
  });

  test('is listed by its title in the UI language, else the nearest', () => {
    expect(articleTitle(ARTICLE, 'zh-CN')).toBe('如何确认提币');
    expect(articleTitle(ARTICLE, 'en')).toBe('Confirming a withdrawal');
    expect(articleTitle({ ...ARTICLE, translations: { ja: { title: '出金', body: 'x' } } }, 'en')).toBe('出金');
    expect(pickLanguage(['zh-TW', 'en-GB'], 'zh-CN'), 'the same base language').toBe('zh-TW');
    expect(pickLanguage([], 'en')).toBeNull();
  });

  test('the list filters by status, latest change first', () => {
    const older = { ...ARTICLE, id: 'a', updated_at: 1, status: 'published' as const };
    const newer = { ...ARTICLE, id: 'b', updated_at: 9 };
    expect(sortArticles([older, newer], 'all').map((a) => a.id)).toEqual(['b', 'a']);
    expect(sortArticles([older, newer], 'draft').map((a) => a.id)).toEqual(['b']);
    expect(sortArticles([older, newer], 'published').map((a) => a.id)).toEqual(['a']);
  });
});

describe('this console’s writes over the cache', () => {
  test('a saved record shows as saved until the sync brings it, then the cache speaks', () => {
    const saved = { ...MACRO, title: 'new title', updated_at: 20 };
    const written = new Map([[MACRO.id, saved]]);
    expect(overlay([MACRO], written), 'the cache is behind').toEqual({ list: [saved], settled: [] });
    const synced = { ...saved };
    expect(overlay([synced], written), 'the cache caught up').toEqual({ list: [synced], settled: [MACRO.id] });
    expect(overlay([], new Map([['fresh', { ...MACRO, id: 'fresh' }]])).list.map((m) => m.id), 'a new one shows at once').toEqual([
      'fresh',
    ]);
  });

  test('a deleted record stays gone while the cache still has it', () => {
    const written = new Map<string, Macro | null>([[MACRO.id, null]]);
    expect(overlay([MACRO], written)).toEqual({ list: [], settled: [] });
    expect(overlay([], written)).toEqual({ list: [], settled: [MACRO.id] });
  });
});
