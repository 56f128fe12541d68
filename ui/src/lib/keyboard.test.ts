import { describe, expect, test } from 'vitest';
import { isEditableTarget, isInteractiveTarget, KeyHandler, SEQUENCE_TIMEOUT_MS } from './keyboard';

function press(handler: KeyHandler, key: string, time = 0, extra: Partial<Parameters<KeyHandler['handle']>[0]> = {}) {
  return handler.handle({ key, editable: false, time, ...extra });
}

describe('KeyHandler', () => {
  test('j/k and arrows move, Enter and o open, / filters, Home/End/G jump', () => {
    const h = new KeyHandler();
    expect(press(h, 'j')).toEqual({ type: 'move', delta: 1 });
    expect(press(h, 'ArrowDown')).toEqual({ type: 'move', delta: 1 });
    expect(press(h, 'k')).toEqual({ type: 'move', delta: -1 });
    expect(press(h, 'ArrowUp')).toEqual({ type: 'move', delta: -1 });
    expect(press(h, 'Enter')).toEqual({ type: 'open' });
    expect(press(h, 'o')).toEqual({ type: 'open' });
    expect(press(h, '/')).toEqual({ type: 'focus-search' });
    expect(press(h, 'f')).toEqual({ type: 'focus-filter' });
    expect(press(h, 'Home')).toEqual({ type: 'first' });
    expect(press(h, 'End')).toEqual({ type: 'last' });
    expect(press(h, 'G')).toEqual({ type: 'last' });
    expect(press(h, 'q')).toBeNull();
    expect(press(h, 'p'), 'p alone is not a shortcut').toBeNull();
  });

  test('r replies, n notes, e solves, a assigns, x selects', () => {
    const h = new KeyHandler();
    expect(press(h, 'r')).toEqual({ type: 'reply' });
    expect(press(h, 'n')).toEqual({ type: 'note' });
    expect(press(h, 'e')).toEqual({ type: 'solve' });
    expect(press(h, 'a')).toEqual({ type: 'assign' });
    expect(press(h, 'x')).toEqual({ type: 'toggle-select' });
    expect(press(h, 'r', 0, { editable: true }), 'an r typed into the composer is text').toBeNull();
  });

  test('s goes to the suggested articles and macros, unless typed into a field', () => {
    const h = new KeyHandler();
    expect(press(h, 's')).toEqual({ type: 'suggestions' });
    expect(press(h, 's', 0, { editable: true }), 'an s typed into the composer is text').toBeNull();
    expect(press(h, 's', 0, { ctrlKey: true }), 'Ctrl+S is the system’s').toBeNull();
  });

  test('Ctrl+K and Cmd+K open the palette, even from a text field', () => {
    const h = new KeyHandler();
    expect(press(h, 'k', 0, { ctrlKey: true })).toEqual({ type: 'palette' });
    expect(press(h, 'k', 0, { metaKey: true, editable: true })).toEqual({ type: 'palette' });
    expect(press(h, 'K', 0, { ctrlKey: true })).toEqual({ type: 'palette' });
    expect(press(h, 'k', 0, { ctrlKey: true, altKey: true })).toBeNull();
  });

  test.each([
    ['i', 'open'],
    ['m', 'mine'],
    ['u', 'unassigned'],
    ['c', 'awaiting_confirmation'],
    ['a', 'all'],
    ['r', 'sla_at_risk'],
    ['b', 'sla_breached'],
    ['o', 'outbox'],
    ['t', 'admin_agents'],
    ['p', 'admin_groups'],
    ['l', 'admin_audit'],
    ['q', 'admin_macros'],
    ['k', 'admin_articles'],
  ])('g then %s switches to %s', (key, view) => {
    const h = new KeyHandler();
    expect(press(h, 'g', 1000)).toBeNull();
    expect(h.pending(1000)).toBe(true);
    expect(press(h, key, 1200)).toEqual({ type: 'view', view });
    expect(h.pending(1200)).toBe(false);
  });

  test('the g prefix expires', () => {
    const h = new KeyHandler();
    press(h, 'g', 0);
    expect(press(h, 'm', SEQUENCE_TIMEOUT_MS + 1)).toBeNull();
    expect(h.pending(SEQUENCE_TIMEOUT_MS + 1)).toBe(false);
  });

  test('a key that does not complete the sequence cancels it and acts on its own', () => {
    const h = new KeyHandler();
    press(h, 'g', 0);
    expect(press(h, 'j', 10)).toEqual({ type: 'move', delta: 1 });
    expect(press(h, 'm', 20), 'm alone is not a shortcut').toBeNull();
  });

  test('typing in a text field is never taken as a shortcut', () => {
    const h = new KeyHandler();
    for (const key of ['j', 'k', '/', 'g', 'Enter', 'ArrowDown']) {
      expect(press(h, key, 0, { editable: true }), key).toBeNull();
    }
    // A g typed into a field does not arm the sequence for the next key outside it.
    press(h, 'g', 0, { editable: true });
    expect(press(h, 'm', 10)).toBeNull();
  });

  test('modified keys belong to the system (copy, browser shortcuts)', () => {
    const h = new KeyHandler();
    expect(press(h, 'j', 0, { ctrlKey: true })).toBeNull();
    expect(press(h, 'c', 0, { metaKey: true })).toBeNull();
    expect(press(h, '/', 0, { altKey: true })).toBeNull();
  });

  test('Enter on a focused button is left to the button', () => {
    const h = new KeyHandler();
    expect(press(h, 'Enter', 0, { interactive: true })).toBeNull();
    expect(press(h, 'j', 0, { interactive: true })).toEqual({ type: 'move', delta: 1 });
  });
});

describe('isEditableTarget', () => {
  test('text inputs, textareas, selects and contenteditable are editable', () => {
    expect(isEditableTarget({ tagName: 'INPUT', type: 'text' })).toBe(true);
    expect(isEditableTarget({ tagName: 'input', type: 'search' })).toBe(true);
    expect(isEditableTarget({ tagName: 'INPUT', type: 'password' })).toBe(true);
    expect(isEditableTarget({ tagName: 'INPUT' })).toBe(true);
    expect(isEditableTarget({ tagName: 'TEXTAREA' })).toBe(true);
    expect(isEditableTarget({ tagName: 'SELECT' })).toBe(true);
    expect(isEditableTarget({ tagName: 'DIV', isContentEditable: true })).toBe(true);
  });

  test('buttons, checkboxes, plain elements and nothing are not', () => {
    expect(isEditableTarget({ tagName: 'INPUT', type: 'checkbox' })).toBe(false);
    expect(isEditableTarget({ tagName: 'INPUT', type: 'button' })).toBe(false);
    expect(isEditableTarget({ tagName: 'BUTTON' })).toBe(false);
    expect(isEditableTarget({ tagName: 'DIV', isContentEditable: false })).toBe(false);
    expect(isEditableTarget(null)).toBe(false);
    expect(isEditableTarget('INPUT')).toBe(false);
  });
});

describe('isInteractiveTarget', () => {
  test('buttons, links and button-like roles', () => {
    expect(isInteractiveTarget({ tagName: 'BUTTON' })).toBe(true);
    expect(isInteractiveTarget({ tagName: 'A' })).toBe(true);
    expect(isInteractiveTarget({ tagName: 'DIV', getAttribute: () => 'button' })).toBe(true);
    expect(isInteractiveTarget({ tagName: 'DIV', getAttribute: () => 'option' })).toBe(false);
    expect(isInteractiveTarget({ tagName: 'BODY', getAttribute: () => null })).toBe(false);
  });
});
