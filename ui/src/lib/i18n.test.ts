import { describe, expect, test } from 'vitest';
import {
  AUTHOR_KINDS,
  CATEGORIES,
  CHANNELS,
  CONNECTIVITIES,
  ERROR_CODES,
  INBOX_VIEWS,
  MESSAGE_KINDS,
  PRIORITIES,
  ROLES,
  TICKET_STATUSES,
  TIERS,
  TX_DIRECTIONS,
  TX_STATUSES,
} from './enums';
import { detectLocale, dictionaries, LOCALES, placeholders, translate, type MessageKey } from './i18n';

const en = dictionaries.en;
const zh = dictionaries['zh-CN'];

describe('dictionaries', () => {
  test('every key exists in every locale, and no locale has extra keys', () => {
    const reference = Object.keys(en).sort();
    for (const locale of LOCALES) {
      expect(Object.keys(dictionaries[locale]).sort(), `keys of ${locale}`).toEqual(reference);
    }
  });

  test('no translation is empty', () => {
    for (const locale of LOCALES) {
      for (const [key, value] of Object.entries(dictionaries[locale])) {
        expect(value.trim(), `${locale} ${key}`).not.toBe('');
      }
    }
  });

  test('placeholders match between locales, so no value is dropped in translation', () => {
    for (const key of Object.keys(en) as MessageKey[]) {
      expect(placeholders(zh[key]), key).toEqual(placeholders(en[key]));
    }
  });

  test('Chinese is translated, not copied from English (except names and codes)', () => {
    const sameOnPurpose = new Set<MessageKey>([
      'app.name',
      'lang.en',
      'lang.zh-CN',
      'tier.vip',
      'channel.telegram',
      'customer.kyc_value',
      'list.sla_due',
    ]);
    for (const key of Object.keys(en) as MessageKey[]) {
      if (sameOnPurpose.has(key)) continue;
      expect(zh[key], `zh-CN ${key} is still English`).not.toBe(en[key]);
    }
  });

  test.each([
    ['status', TICKET_STATUSES],
    ['priority', PRIORITIES],
    ['category', CATEGORIES],
    ['channel', CHANNELS],
    ['tx_status', TX_STATUSES],
    ['tx_direction', TX_DIRECTIONS],
    ['tier', TIERS],
    ['role', ROLES],
    ['message_kind', MESSAGE_KINDS],
    ['author_kind', AUTHOR_KINDS],
    ['connectivity', CONNECTIVITIES],
    ['view', INBOX_VIEWS],
    ['error', ERROR_CODES],
  ] as const)('every %s value has a label', (prefix, values) => {
    expect(values.length).toBeGreaterThan(0);
    for (const value of values) {
      const key = `${prefix}.${value}`;
      for (const locale of LOCALES) {
        expect(Object.hasOwn(dictionaries[locale], key), `${locale} ${key}`).toBe(true);
      }
    }
  });
});

describe('translate', () => {
  test('fills placeholders, and leaves unknown ones visible', () => {
    expect(translate('en', 'list.filtered', { shown: 3, total: 10 })).toBe('3 of 10');
    expect(translate('zh-CN', 'top.cached', { count: '1,024' })).toBe('已缓存 1,024 个工单');
    expect(translate('en', 'list.filtered', { shown: 3 })).toBe('3 of {total}');
  });

  test('a placeholder value is inserted literally, never re-expanded', () => {
    expect(translate('en', 'list.no_match', { query: '{query} $& $1' })).toBe('No tickets match “{query} $& $1”');
  });
});

describe('detectLocale', () => {
  test('a remembered choice wins over the system language', () => {
    expect(detectLocale('en', 'zh-CN')).toBe('en');
    expect(detectLocale('zh-CN', 'en-US')).toBe('zh-CN');
  });

  test('any Chinese system language selects Chinese; anything else English', () => {
    for (const lang of ['zh', 'zh-CN', 'zh-TW', 'zh-Hans-CN', 'ZH-cn']) expect(detectLocale(null, lang), lang).toBe('zh-CN');
    for (const lang of ['en-US', 'de-DE', 'ja-JP', '', undefined]) expect(detectLocale(null, lang), String(lang)).toBe('en');
  });

  test('garbage in storage is ignored', () => {
    expect(detectLocale('klingon', 'zh-CN')).toBe('zh-CN');
  });
});
