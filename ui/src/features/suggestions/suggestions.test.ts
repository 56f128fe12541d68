import { describe, expect, test } from 'vitest';
import type { ArticleSuggestion, Macro, MacroSuggestion } from '../../lib/bindings';
import { Desk } from '../../lib/desk.svelte';
import { KeyHandler } from '../../lib/keyboard';
import { FakeShell } from '../../../test/harness/fake-shell';
import { MACROS } from '../../../test/harness/fixtures';
import { entriesOf, insertText, keyAction, linkLine, offeredMacros, plainText, why, type Entry } from './suggestions';

function article(over: Partial<ArticleSuggestion> = {}): ArticleSuggestion {
  return {
    article_id: 'confirm-withdrawal',
    language: 'zh-CN',
    title: '如何在 App 中确认提币',
    body: '# 确认提币',
    url: 'https://desk.example/help/confirm-withdrawal?lang=zh-CN',
    matched: ['提币', '确认'],
    same_category: true,
    ...over,
  };
}

const macro: MacroSuggestion = { macro_id: 'macro-confirm', title: 'Confirm', matched: [], same_category: true };

describe('what an entry inserts', () => {
  test('a link is the title and the address on one line, as plain text reads it', () => {
    expect(linkLine(article())).toBe('如何在 App 中确认提币: https://desk.example/help/confirm-withdrawal?lang=zh-CN');
    const { url: _, ...noServer } = article();
    expect(linkLine(noServer), 'no server known: no link to offer').toBeNull();
  });

  test('Enter and l insert the link, t the text; without an address Enter is the text', () => {
    const linked: Entry = { kind: 'article', article: article() };
    expect(keyAction(linked, 'Enter')).toBe('link');
    expect(keyAction(linked, 'l')).toBe('link');
    expect(keyAction(linked, 't')).toBe('text');
    expect(keyAction(linked, 'x'), 'other keys are the console’s').toBeNull();
    const { url: _, ...noServer } = article();
    const textOnly: Entry = { kind: 'article', article: noServer };
    expect(keyAction(textOnly, 'Enter')).toBe('text');
    expect(keyAction(textOnly, 'l'), 'no link to insert').toBeNull();
    expect(keyAction(textOnly, 't')).toBe('text');
    const m: Entry = { kind: 'macro', macro };
    expect(keyAction(m, 'Enter')).toBe('macro');
    expect(keyAction(m, 't'), 'a macro has no text of its own to insert').toBeNull();
  });

  test('at most four words say why, the most telling first', () => {
    expect(why(['a', 'b', 'c', 'd', 'e'])).toEqual(['a', 'b', 'c', 'd']);
    expect(why([])).toEqual([]);
  });

  test('the keyboard walks the articles, then the macros', () => {
    const entries = entriesOf([article()], [macro]);
    expect(entries.map((e) => e.kind)).toEqual(['article', 'macro']);
  });

  test('only macros the composer has loaded are offered: the others would insert nothing', () => {
    const loaded: Macro[] = [MACROS[0]!];
    const other: MacroSuggestion = { ...macro, macro_id: 'macro-gone' };
    expect(offeredMacros([macro, other], loaded).map((m) => m.macro_id)).toEqual(['macro-confirm']);
    expect(offeredMacros([macro], undefined), 'not loaded yet: none').toEqual([]);
  });
});

describe('an article as plain text', () => {
  test('formatting marks go; lists, quotes and line breaks stay', () => {
    expect(
      plainText(
        '# Confirm a withdrawal\n\n1. Open the **app** and go to *Assets*.\n2. Tap the withdrawal __waiting__ for _you_.\n- one ~~two~~\n> quoted\n\n\n\nDone.',
      ),
    ).toBe('Confirm a withdrawal\n\n1. Open the app and go to Assets.\n2. Tap the withdrawal waiting for you.\n- one two\n> quoted\n\nDone.');
  });

  test('a link keeps its address after its label; an image its description', () => {
    expect(plainText('更多说明见 [帮助中心](https://help.wallet.example/confirm)。')).toBe(
      '更多说明见 帮助中心 (https://help.wallet.example/confirm)。',
    );
    expect(plainText('See [https://a.example/x_y_z](https://a.example/x_y_z) or <https://b.example/_b_>.')).toBe(
      'See https://a.example/x_y_z or https://b.example/_b_.',
    );
    expect(plainText('![the confirm button](https://img.example/c.png) is blue')).toBe('the confirm button is blue');
  });

  test('code is kept as written, only its marks go', () => {
    expect(plainText('Run `a*b*c` then:\n\n```sh\n# not a heading\n**x**\n```\nend')).toBe('Run a*b*c then:\n\n# not a heading\n**x**\nend');
  });

  test('words that merely contain the marks are left alone', () => {
    expect(plainText('set max_retry_count to 2 * 3 and 这是*重点*内容')).toBe('set max_retry_count to 2 * 3 and 这是重点内容');
    expect(plainText('\\*not emphasis\\* and C# ## heading-like')).toBe('*not emphasis* and C# ## heading-like');
    expect(plainText('* a bullet\n* another')).toBe('* a bullet\n* another');
    expect(plainText('window.__mark = 1; window.__other')).toBe('window.__mark = 1; window.__other');
  });

  test('raw HTML stays text: a reply is never rendered as HTML', () => {
    expect(plainText('<img src=x onerror="alert(1)"> hi')).toBe('<img src=x onerror="alert(1)"> hi');
  });
});

describe('inserting into the reply', () => {
  test('an empty reply becomes the text', () => {
    expect(insertText('  \n', ' title: url ', null)).toEqual({ body: 'title: url', caret: 10 });
  });

  test('no cursor known, or at the end: after a blank line, as a macro is', () => {
    expect(insertText('Hello,\n', 'title: url', null)).toEqual({ body: 'Hello,\n\ntitle: url', caret: 18 });
    expect(insertText('Hello,', 'title: url', 6)).toEqual({ body: 'Hello,\n\ntitle: url', caret: 18 });
  });

  test('at a cursor within: one line apart by spaces, several by blank lines', () => {
    expect(insertText('See here. Thanks', 'title: url', 9)).toEqual({ body: 'See here. title: url Thanks', caret: 20 });
    expect(insertText('See here. Thanks', 'title: url', 10)).toEqual({ body: 'See here. title: url Thanks', caret: 20 });
    const block = insertText('Hi,\nThanks', 'one\ntwo', 4);
    expect(block.body).toBe('Hi,\n\none\ntwo\n\nThanks');
    expect(block.body.slice(0, block.caret), 'the cursor lands after the insertion').toBe('Hi,\n\none\ntwo');
  });
});

describe('the request to the composer', () => {
  test('each insertion is a new request, naming its ticket, so a composer for another one ignores it', () => {
    const desk = new Desk();
    expect(desk.replyInsert).toBeNull();
    desk.insertIntoReply('t-1042', 'title: url');
    expect(desk.replyInsert).toEqual({ kind: 'text', ticketId: 't-1042', text: 'title: url', n: 1 });
    desk.insertIntoReply('t-1042', 'title: url');
    expect(desk.replyInsert?.n, 'the same text twice is inserted twice').toBe(2);
    desk.insertMacroIntoReply('t-1042', 'macro-confirm');
    expect(desk.replyInsert).toEqual({ kind: 'macro', ticketId: 't-1042', macroId: 'macro-confirm', n: 3 });
  });
});

describe('the fake shell’s suggestions', () => {
  test('a Chinese ticket: the Chinese translation, its link and why; its category’s macro', () => {
    const shell = new FakeShell({ signedIn: true });
    const s = shell.handle('suggest_knowledge', { ticketId: 't-1042', language: 'en' }) as {
      articles: ArticleSuggestion[];
      macros: MacroSuggestion[];
    };
    expect(s.articles[0]).toMatchObject({
      article_id: 'confirm-withdrawal',
      language: 'zh-CN',
      title: '如何在 App 中确认提币',
      url: 'http://127.0.0.1:8080/help/confirm-withdrawal?lang=zh-CN',
      same_category: true,
    });
    expect(s.articles[0]!.matched, 'found by the subject’s words').toContain('提币');
    expect(s.articles.map((a) => a.article_id), 'a draft is never suggested').not.toContain('tron-delays');
    expect(s.macros.map((m) => m.macro_id)).toEqual(['macro-confirm']);
    const none = shell.handle('suggest_knowledge', { ticketId: 't-1040', language: 'en' });
    expect(none, 'nothing fits a locked account').toEqual({ articles: [], macros: [] });
    expect(() => shell.handle('suggest_knowledge', { ticketId: 'nope', language: 'en' })).toThrow(expect.objectContaining({ code: 'not_found' }));
  });

  test('s goes to the suggestions, unless typed into a field', () => {
    const keys = new KeyHandler();
    expect(keys.handle({ key: 's', editable: false, time: 0 })).toEqual({ type: 'suggestions' });
    expect(keys.handle({ key: 's', editable: true, time: 0 })).toBeNull();
  });
});
