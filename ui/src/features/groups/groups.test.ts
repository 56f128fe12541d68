import { describe, expect, test } from 'vitest';
import type { Group } from '../../lib/bindings';
import {
  blankGroupForm,
  groupFormOf,
  groupInput,
  groupLabel,
  groupOptions,
  idFromNames,
  isGroupId,
  membersByGroup,
  nameIn,
  sortGroups,
} from './groups';

function group(id: string, names: Record<string, string>, updated_at = 1): Group {
  return { id, names, updated_at };
}

const CN = group('cn-support', { 'zh-CN': '中文一线', en: 'Chinese tier 1' });
const VIP = group('vip-desk', { 'zh-CN': 'VIP 专席', en: 'VIP desk' });
const SEC = group('security', { en: 'Security' });

describe('names', () => {
  test('the name in the UI language, then the base language, then English, then any (desk-core name_in)', () => {
    expect(nameIn(CN, 'zh-CN')).toBe('中文一线');
    expect(nameIn(CN, 'zh')).toBe('中文一线');
    expect(nameIn(CN, 'en')).toBe('Chinese tier 1');
    expect(nameIn(CN, 'ja'), 'else English').toBe('Chinese tier 1');
    expect(nameIn(SEC, 'zh-CN'), 'else the one it has').toBe('Security');
    expect(nameIn(group('x', {}), 'en'), 'no name at all: its id').toBe('x');
  });

  test('a group without a record is shown by its id', () => {
    expect(groupLabel([CN, VIP], 'vip-desk', 'zh-CN')).toBe('VIP 专席');
    expect(groupLabel([CN, VIP], '中文一线', 'en'), 'named before groups were records').toBe('中文一线');
  });

  test('sorted by name in the UI language', () => {
    expect(sortGroups([VIP, SEC, CN], 'en').map((g) => g.id)).toEqual(['cn-support', 'security', 'vip-desk']);
  });
});

describe('the choices for a ticket’s group', () => {
  test('the defined groups by name, and the ticket’s own when it has no record', () => {
    expect(groupOptions([VIP, CN], [], 'cn-support', 'zh-CN')).toEqual([
      { id: 'cn-support', label: '中文一线' },
      { id: 'vip-desk', label: 'VIP 专席' },
    ]);
    expect(groupOptions([VIP, CN], [{ groups: ['old-team'] }], 'legacy', 'en')).toEqual([
      { id: 'cn-support', label: 'Chinese tier 1' },
      { id: 'vip-desk', label: 'VIP desk' },
      { id: 'legacy', label: 'legacy' },
    ]);
  });

  test('two groups of one name are told apart by their ids', () => {
    const twin = group('cn-support-2', { en: 'Chinese tier 1' });
    expect(groupOptions([CN, twin], [], null, 'en').map((o) => o.label)).toEqual([
      'Chinese tier 1 (cn-support)',
      'Chinese tier 1 (cn-support-2)',
    ]);
  });

  test('a desk without group records offers the groups its agents work in', () => {
    expect(groupOptions([], [{ groups: ['vip-desk', 'cn-support'] }, { groups: [] }, { groups: ['cn-support'] }], 'security', 'en')).toEqual([
      { id: 'cn-support', label: 'cn-support' },
      { id: 'security', label: 'security' },
      { id: 'vip-desk', label: 'vip-desk' },
    ]);
    expect(groupOptions([], [], null, 'en')).toEqual([]);
  });

  test('agents per group, each agent once', () => {
    const counts = membersByGroup([{ groups: ['cn-support', 'cn-support'] }, { groups: ['cn-support', 'vip-desk'] }, { groups: [] }]);
    expect([...counts]).toEqual([
      ['cn-support', 2],
      ['vip-desk', 1],
    ]);
  });
});

describe('the form', () => {
  test('ids as desk-core check_group_id takes them', () => {
    for (const ok of ['cn-support', 'tier_2', 'l1.zh', '24x7']) expect(isGroupId(ok), ok).toBe(true);
    for (const bad of ['', 'CN', '中文一线', 'tier 1', '-a', '.', 'a/b', 'g'.repeat(65)]) expect(isGroupId(bad), bad).toBe(false);
  });

  test('a new group’s id comes from its English name, else its time', () => {
    expect(idFromNames([{ language: 'zh-CN', name: '中文二线' }, { language: 'en', name: 'Chinese tier 2!' }], new Set())).toBe('chinese-tier-2');
    expect(idFromNames([{ language: 'en', name: 'Security' }], new Set(['security', 'security-2']))).toBe('security-3');
    expect(idFromNames([{ language: 'zh-CN', name: '争议处理' }], new Set(), 36 ** 3)).toBe('group-1000');
  });

  test('names per language go out trimmed; empty rows are left out', () => {
    const form = blankGroupForm();
    form.id = 'cn-support';
    form.names[0]!.name = ' 中文一线 ';
    form.description = '  大陆用户  ';
    expect(groupInput(form)).toEqual({ input: { names: { 'zh-CN': '中文一线' }, description: '大陆用户' } });
    form.description = ' ';
    expect(groupInput(form)).toEqual({ input: { names: { 'zh-CN': '中文一线' } } });
  });

  test('the first thing to fix, and where', () => {
    const form = blankGroupForm();
    form.id = 'Tier 1';
    expect(groupInput(form)).toMatchObject({ problem: { key: 'groups.form.name_needed', field: 'names' } });
    form.names[1]!.name = 'Tier 1';
    expect(groupInput(form)).toMatchObject({ problem: { key: 'groups.form.bad_id', field: 'id' } });
    form.names[1]!.name = '';
    form.id = 'tier-1';
    form.names.push({ language: '中文', name: '一线' });
    expect(groupInput(form)).toMatchObject({ problem: { key: 'groups.form.bad_language', params: { language: '中文' } } });
    form.names[2] = { language: 'EN', name: 'Tier 1' };
    form.names[1]!.name = 'Tier one';
    expect(groupInput(form)).toMatchObject({ problem: { key: 'groups.form.language_twice', params: { language: 'EN' } } });
    form.names.pop();
    form.names[1]!.name = 'n'.repeat(101);
    expect(groupInput(form)).toMatchObject({ problem: { key: 'groups.form.name_too_long' } });
    form.names[1]!.name = 'Tier 1';
    form.description = 'd'.repeat(501);
    expect(groupInput(form)).toMatchObject({ problem: { key: 'groups.form.description_too_long', field: 'description' } });
  });

  test('an existing group opens with its languages, the editors’ first', () => {
    const g = { ...group('intl', { ja: '国際', en: 'International' }), description: 'APAC' };
    expect(groupFormOf(g)).toEqual({
      id: 'intl',
      names: [
        { language: 'zh-CN', name: '' },
        { language: 'en', name: 'International' },
        { language: 'ja', name: '国際' },
      ],
      description: 'APAC',
    });
  });
});
