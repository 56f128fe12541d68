// Dates as an agent reads them: relative in the list ("5 min ago" / "5分钟前"), absolute
// on hover. Pure: the caller passes `now` (a ticking rune in the UI, a constant in tests).
import { translate, type Locale } from './i18n';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export type RelativeStyle = 'long' | 'short' | 'narrow';

const relativeFormats = new Map<string, Intl.RelativeTimeFormat>();
const absoluteFormats = new Map<string, Intl.DateTimeFormat>();

function relativeFormat(locale: Locale, style: RelativeStyle): Intl.RelativeTimeFormat {
  const id = `${locale}|${style}`;
  let f = relativeFormats.get(id);
  if (!f) {
    f = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style });
    relativeFormats.set(id, f);
  }
  return f;
}

function dateFormat(locale: Locale, kind: 'full' | 'date' | 'monthDay'): Intl.DateTimeFormat {
  const id = `${locale}|${kind}`;
  let f = absoluteFormats.get(id);
  if (!f) {
    const options: Intl.DateTimeFormatOptions =
      kind === 'full'
        ? { dateStyle: 'medium', timeStyle: 'short' }
        : kind === 'date'
          ? { dateStyle: 'medium' }
          : { month: 'short', day: 'numeric' };
    f = new Intl.DateTimeFormat(locale, options);
    absoluteFormats.set(id, f);
  }
  return f;
}

/** The unit and signed count that describe `diff` milliseconds (negative = past). */
export function relativeParts(diff: number): { value: number; unit: Intl.RelativeTimeFormatUnit } {
  const abs = Math.abs(diff);
  const sign = diff < 0 ? -1 : 1;
  // Truncate toward zero: "59 minutes ago" until a full hour has passed.
  if (abs < HOUR) return { value: sign * Math.max(1, Math.floor(abs / MINUTE)), unit: 'minute' };
  if (abs < DAY) return { value: sign * Math.floor(abs / HOUR), unit: 'hour' };
  if (abs < 30 * DAY) return { value: sign * Math.floor(abs / DAY), unit: 'day' };
  if (abs < 365 * DAY) return { value: sign * Math.floor(abs / (30 * DAY)), unit: 'month' };
  return { value: sign * Math.floor(abs / (365 * DAY)), unit: 'year' };
}

/**
 * "just now" under a minute in the past; otherwise "5 min ago", "in 2 hours",
 * "yesterday", "3 days ago". Future times under a minute read "in 1 minute".
 */
export function formatRelative(ts: number, now: number, locale: Locale, style: RelativeStyle = 'long'): string {
  const diff = ts - now;
  if (diff <= 0 && diff > -MINUTE) return translate(locale, 'time.just_now');
  const { value, unit } = relativeParts(diff);
  return relativeFormat(locale, style).format(value, unit);
}

/** For list rows: relative within a week, then a short date ("Mar 5" / "3月5日"). */
export function formatListTime(ts: number, now: number, locale: Locale): string {
  if (Math.abs(now - ts) < 7 * DAY) return formatRelative(ts, now, locale, 'narrow');
  const sameYear = new Date(ts).getFullYear() === new Date(now).getFullYear();
  return dateFormat(locale, sameYear ? 'monthDay' : 'date').format(ts);
}

/** Full date and time, for `title` attributes and detail fields. */
export function formatAbsolute(ts: number, locale: Locale): string {
  return dateFormat(locale, 'full').format(ts);
}

export type DueState = 'overdue' | 'soon' | 'later';

/** How close an SLA deadline is; "soon" means within the hour. */
export function dueState(due: number, now: number): DueState {
  if (due <= now) return 'overdue';
  return due - now <= HOUR ? 'soon' : 'later';
}
