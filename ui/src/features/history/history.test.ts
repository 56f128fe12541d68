import { describe, expect, test } from 'vitest';
import { KeyHandler } from '../../lib/keyboard';
import { FakeShell } from '../../../test/harness/fake-shell';
import { moveIndex } from '../../lib/roving.svelte';
import { earlierTickets } from './history';

describe('earlier tickets', () => {
  test('the customer’s other tickets, newest first, without the open one', () => {
    const shell = new FakeShell({ signedIn: true });
    const history = shell.customerHistory('cust-1001', 21);
    expect(history.tickets.map((e) => e.ticket.id), 'as the cache answers: by creation, newest first').toEqual([
      't-1042',
      't-local-1',
      't-1012',
    ]);
    expect(history.open_tickets).toBe(2);
    expect(history.average_csat).toBe(4);
    expect(earlierTickets(history, 'cust-1001', 't-1042').map((e) => e.ticket.id)).toEqual(['t-local-1', 't-1012']);
    expect(earlierTickets(history, 'cust-1002', 't-1041'), 'an answer about another customer is not shown').toEqual([]);
    expect(() => shell.handle('customer_history', { customerId: 'nobody', limit: 20 })).toThrow(expect.objectContaining({ code: 'not_found' }));
  });

  test('arrows, j/k, Home and End move within the list; other keys are the console’s', () => {
    expect(moveIndex(0, 'ArrowDown', 3)).toBe(1);
    expect(moveIndex(2, 'ArrowDown', 3), 'stops at the end').toBe(2);
    expect(moveIndex(1, 'k', 3)).toBe(0);
    expect(moveIndex(0, 'ArrowUp', 3)).toBe(0);
    expect(moveIndex(0, 'End', 3)).toBe(2);
    expect(moveIndex(2, 'Home', 3)).toBe(0);
    expect(moveIndex(0, 'Enter', 3), 'Enter is the button’s own').toBeNull();
    expect(moveIndex(0, 'ArrowDown', 0)).toBeNull();
  });

  test('h goes to the earlier tickets, unless typed into a field', () => {
    const keys = new KeyHandler();
    expect(keys.handle({ key: 'h', editable: false, time: 0 })).toEqual({ type: 'history' });
    expect(keys.handle({ key: 'h', editable: true, time: 0 })).toBeNull();
  });
});
