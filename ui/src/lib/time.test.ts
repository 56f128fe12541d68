import { describe, expect, test } from 'vitest';
import { dueState, formatAbsolute, formatListTime, formatRelative, relativeParts } from './time';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2025, 5, 15, 12, 0, 0);

describe('relativeParts', () => {
  test.each([
    [-30_000, -1, 'minute'],
    [-5 * MIN, -5, 'minute'],
    [-59 * MIN - 59_000, -59, 'minute'],
    [-HOUR, -1, 'hour'],
    [-(3 * HOUR + 59 * MIN), -3, 'hour'],
    [-DAY, -1, 'day'],
    [-6 * DAY, -6, 'day'],
    [-45 * DAY, -1, 'month'],
    [-400 * DAY, -1, 'year'],
    [25 * MIN, 25, 'minute'],
    [2 * HOUR, 2, 'hour'],
  ])('%d ms → %d %s', (diff, value, unit) => {
    expect(relativeParts(diff)).toEqual({ value, unit });
  });
});

describe('formatRelative', () => {
  test('English and Chinese, past and future', () => {
    expect(formatRelative(NOW - 5 * MIN, NOW, 'en')).toBe('5 minutes ago');
    expect(formatRelative(NOW - 5 * MIN, NOW, 'zh-CN')).toBe('5分钟前');
    expect(formatRelative(NOW - 3 * HOUR, NOW, 'zh-CN')).toBe('3小时前');
    expect(formatRelative(NOW + 25 * MIN, NOW, 'en')).toBe('in 25 minutes');
    expect(formatRelative(NOW + 25 * MIN, NOW, 'zh-CN')).toBe('25分钟后');
  });

  test('under a minute ago reads "just now"', () => {
    expect(formatRelative(NOW - 10_000, NOW, 'en')).toBe('just now');
    expect(formatRelative(NOW, NOW, 'zh-CN')).toBe('刚刚');
  });

  test('one day back says "yesterday" / "昨天"', () => {
    expect(formatRelative(NOW - DAY - HOUR, NOW, 'en')).toBe('yesterday');
    expect(formatRelative(NOW - DAY - HOUR, NOW, 'zh-CN')).toBe('昨天');
  });

  test('the compact style keeps the number and unit', () => {
    const narrow = formatRelative(NOW - 5 * MIN, NOW, 'en', 'narrow');
    expect(narrow).toMatch(/5/);
    expect(narrow.length).toBeLessThan('5 minutes ago'.length);
  });
});

describe('formatListTime', () => {
  test('relative within a week, a date after that', () => {
    expect(formatListTime(NOW - 2 * HOUR, NOW, 'zh-CN')).toBe('2小时前');
    const older = formatListTime(NOW - 20 * DAY, NOW, 'en');
    expect(older).toMatch(/May 26/);
    expect(formatListTime(NOW - 20 * DAY, NOW, 'zh-CN')).toMatch(/5月26日/);
  });

  test('another year shows the year', () => {
    expect(formatListTime(NOW - 400 * DAY, NOW, 'en')).toMatch(/2024/);
  });
});

describe('formatAbsolute', () => {
  test('has the date and time of day', () => {
    const text = formatAbsolute(NOW, 'zh-CN');
    expect(text).toMatch(/2025年6月15日/);
    expect(text).toMatch(/\d{1,2}:\d{2}/);
  });
});

describe('dueState', () => {
  test('overdue, within the hour, later', () => {
    expect(dueState(NOW - 1, NOW)).toBe('overdue');
    expect(dueState(NOW, NOW)).toBe('overdue');
    expect(dueState(NOW + 59 * MIN, NOW)).toBe('soon');
    expect(dueState(NOW + HOUR, NOW)).toBe('soon');
    expect(dueState(NOW + HOUR + 1, NOW)).toBe('later');
  });
});
