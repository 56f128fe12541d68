import { describe, expect, test } from 'vitest';
import { scrollToReveal, visibleRange } from './virtual';

const ROW = 76;

describe('visibleRange', () => {
  test('at the top: the rows in view plus overscan below', () => {
    const r = visibleRange({ scrollTop: 0, viewportHeight: 600, rowHeight: ROW, count: 100_000, overscan: 4 });
    // 600 / 76 = 7.9 → rows 0..7 visible (8 rows), plus 4 below.
    expect(r).toEqual({ start: 0, end: 12, offset: 0, totalHeight: 7_600_000 });
  });

  test('in the middle: overscan on both sides, offset at the first rendered row', () => {
    const r = visibleRange({ scrollTop: 76 * 1000 + 10, viewportHeight: 600, rowHeight: ROW, count: 100_000, overscan: 4 });
    expect(r.start).toBe(996);
    expect(r.end).toBe(1000 + 9 + 4);
    expect(r.offset).toBe(996 * ROW);
  });

  test('the window stays small however long the list is', () => {
    for (const count of [10, 1_000, 100_000, 1_000_000]) {
      const r = visibleRange({ scrollTop: (count * ROW) / 2, viewportHeight: 800, rowHeight: ROW, count, overscan: 6 });
      expect(r.end - r.start, `count ${count}`).toBeLessThanOrEqual(Math.min(count, Math.ceil(800 / ROW) + 1 + 12));
    }
  });

  test('at the bottom: ends exactly at the last row', () => {
    const count = 5000;
    const r = visibleRange({ scrollTop: count * ROW - 600, viewportHeight: 600, rowHeight: ROW, count, overscan: 4 });
    expect(r.end).toBe(count);
    expect(r.start).toBeGreaterThan(count - 20);
  });

  test('a scrollTop past the end (list just shrank) is clamped, never an empty window', () => {
    const r = visibleRange({ scrollTop: 1_000_000, viewportHeight: 600, rowHeight: ROW, count: 20, overscan: 2 });
    expect(r.end).toBe(20);
    expect(r.start).toBeLessThan(20);
    expect(r.end - r.start).toBeGreaterThan(0);
  });

  test('negative scrollTop (overscroll bounce) is treated as the top', () => {
    expect(visibleRange({ scrollTop: -50, viewportHeight: 600, rowHeight: ROW, count: 100 }).start).toBe(0);
  });

  test('empty list and unmeasured viewport', () => {
    expect(visibleRange({ scrollTop: 0, viewportHeight: 600, rowHeight: ROW, count: 0 })).toEqual({
      start: 0,
      end: 0,
      offset: 0,
      totalHeight: 0,
    });
    // Before layout the viewport reports 0: still render a first row or so, not nothing.
    const r = visibleRange({ scrollTop: 0, viewportHeight: 0, rowHeight: ROW, count: 50, overscan: 0 });
    expect(r.end).toBe(1);
  });
});

describe('scrollToReveal', () => {
  test('a fully visible row needs no scroll', () => {
    expect(scrollToReveal(2, 0, 600, ROW)).toBeNull();
  });

  test('a row above the viewport scrolls to its top', () => {
    expect(scrollToReveal(10, 76 * 20, 600, ROW)).toBe(760);
  });

  test('a row below (or cut off at the bottom) scrolls just enough to show it whole', () => {
    // Row 7 spans 532..608; the viewport ends at 600.
    expect(scrollToReveal(7, 0, 600, ROW)).toBe(8);
    expect(scrollToReveal(100, 0, 600, ROW)).toBe(101 * ROW - 600);
  });
});
