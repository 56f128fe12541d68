// The current UI language as a rune: components call `t()` in markup and re-render when
// the agent switches. The choice is remembered on this device.
import { detectLocale, LOCALE_STORAGE_KEY, translate, type Locale, type MessageKey, type Params } from './i18n';

function readStored(): string | null {
  try {
    return localStorage.getItem(LOCALE_STORAGE_KEY);
  } catch {
    return null;
  }
}

const initial = detectLocale(readStored(), globalThis.navigator?.language);
let current = $state<Locale>(initial);

function applyToDocument(locale: Locale): void {
  if (typeof document !== 'undefined') document.documentElement.lang = locale;
}

applyToDocument(initial);

export const i18n = {
  get locale(): Locale {
    return current;
  },
  set(locale: Locale): void {
    current = locale;
    applyToDocument(locale);
    try {
      localStorage.setItem(LOCALE_STORAGE_KEY, locale);
    } catch {
      // Storage can be unavailable; the switch still applies for this run.
    }
  },
  toggle(): void {
    this.set(current === 'en' ? 'zh-CN' : 'en');
  },
};

/** Translate in the current locale; reading `current` makes callers reactive. */
export function t(key: MessageKey, params?: Params): string {
  return translate(current, key, params);
}

const numberFormats = new Map<Locale, Intl.NumberFormat>();

export function formatCount(n: number): string {
  let f = numberFormats.get(current);
  if (!f) {
    f = new Intl.NumberFormat(current);
    numberFormats.set(current, f);
  }
  return f.format(n);
}
