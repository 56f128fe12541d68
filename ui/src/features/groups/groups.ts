// Groups (teams) as admins write them and every console shows them (DESIGN.md §3): a
// group's id is what tickets and agents carry, its name is what people read, one per
// language. Pure: the names shown for an id, the choices for a ticket's group, and the
// form's values in, desk-core's `groups::GroupInput` out. The server checks the input
// again (`desk_core::groups::group_from`) and its refusal is shown as it comes.
import type { Agent, Group, GroupInput } from '../../lib/bindings';
import type { MessageKey, Params } from '../../lib/i18n';

/** desk-core `groups::MAX_GROUP_NAME_CHARS`. */
export const MAX_NAME_CHARS = 100;
/** desk-core `groups::MAX_GROUP_DESCRIPTION_CHARS`. */
export const MAX_DESCRIPTION_CHARS = 500;

/** The languages a new group is named in first, each a row of the form. */
export const STARTING_LANGUAGES: readonly string[] = ['zh-CN', 'en'];

/** desk-core `groups::check_group_id`: 1–64 lowercase letters, digits, `-`, `_`, `.`,
 * starting with a letter or digit. */
export function isGroupId(id: string): boolean {
  return /^[a-z0-9][a-z0-9._-]{0,63}$/.test(id);
}

/** One tag as desk-core `admin::check_languages` takes it (`zh-CN`, `en`, `pt-BR`). */
export function isLanguageTag(tag: string): boolean {
  return /^[A-Za-z][A-Za-z0-9-]{1,34}$/.test(tag);
}

const base = (tag: string) => tag.split(/[-_]/)[0]!.toLowerCase();

/** The group's name in `locale`: the same tag, else the same base language, else English,
 * else the first it has. Mirrors desk-core `Group::name_in`. */
export function nameIn(group: Pick<Group, 'id' | 'names'>, locale: string): string {
  const entries = Object.entries(group.names).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const found =
    entries.find(([tag]) => tag.toLowerCase() === locale.toLowerCase()) ??
    entries.find(([tag]) => base(tag) === base(locale)) ??
    entries.find(([tag]) => base(tag) === 'en') ??
    entries[0];
  return found?.[1] ?? group.id;
}

/** What a ticket's or an agent's group `id` is shown as: its name in `locale`, or the id
 * itself for a group without a record (named before groups were records, or deleted). */
export function groupLabel(groups: readonly Group[], id: string, locale: string): string {
  const group = groups.find((g) => g.id === id);
  return group ? nameIn(group, locale) : id;
}

export interface GroupOption {
  id: string;
  label: string;
}

/**
 * The groups a ticket can be handed to: the defined ones by name in `locale` (a name two
 * groups share is told apart by its id), and the ticket's own when it has no record. A
 * desk with no group records yet (an older server) offers the groups agents work in.
 */
export function groupOptions(
  groups: readonly Group[],
  agents: readonly Pick<Agent, 'groups'>[],
  current: string | null,
  locale: string,
): GroupOption[] {
  if (groups.length === 0) {
    const ids = new Set(agents.flatMap((a) => a.groups));
    if (current !== null) ids.add(current);
    return [...ids].sort().map((id) => ({ id, label: id }));
  }
  const named = groups.map((g) => ({ id: g.id, label: nameIn(g, locale) }));
  const counts = new Map<string, number>();
  for (const o of named) counts.set(o.label, (counts.get(o.label) ?? 0) + 1);
  const options = named
    .sort((a, b) => a.label.localeCompare(b.label, locale) || a.id.localeCompare(b.id))
    .map((o) => ((counts.get(o.label) ?? 0) > 1 ? { id: o.id, label: `${o.label} (${o.id})` } : o));
  if (current !== null && !groups.some((g) => g.id === current)) options.push({ id: current, label: current });
  return options;
}

/** How many of `agents` work in each group, by id. */
export function membersByGroup(agents: readonly Pick<Agent, 'groups'>[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const a of agents) for (const g of new Set(a.groups)) counts.set(g, (counts.get(g) ?? 0) + 1);
  return counts;
}

/** By name in `locale`, then id. */
export function sortGroups(groups: readonly Group[], locale: string): Group[] {
  return [...groups].sort((a, b) => nameIn(a, locale).localeCompare(nameIn(b, locale), locale) || a.id.localeCompare(b.id));
}

/** The languages of a group's names in the order the form starts with, then the rest. */
export function orderLanguages(languages: readonly string[]): string[] {
  const rank = (l: string) => {
    const i = STARTING_LANGUAGES.indexOf(l);
    return i < 0 ? STARTING_LANGUAGES.length : i;
  };
  return [...languages].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** One row of the form: a language and the group's name in it. */
export interface NameRow {
  language: string;
  name: string;
}

export interface GroupFormValues {
  id: string;
  names: NameRow[];
  description: string;
}

export function blankGroupForm(): GroupFormValues {
  return { id: '', names: STARTING_LANGUAGES.map((language) => ({ language, name: '' })), description: '' };
}

/** The form for an existing group: the editors' languages first (empty when it has no
 * name in one), then every other it is named in. */
export function groupFormOf(g: Group): GroupFormValues {
  const languages = orderLanguages([...new Set([...STARTING_LANGUAGES, ...Object.keys(g.names)])]);
  return {
    id: g.id,
    names: languages.map((language) => ({ language, name: g.names[language] ?? '' })),
    description: g.description ?? '',
  };
}

/** A problem the form finds before asking the server: a message key and its values. */
export interface FormProblem {
  key: MessageKey;
  params?: Params;
  /** Which field to bring the agent back to. */
  field: 'id' | 'names' | 'description';
}

/** What the form asks the server to store, or the first thing to fix (names, id,
 * description, in the form's order of filling in). A language left without a name is
 * not sent. */
export function groupInput(form: GroupFormValues): { input: GroupInput } | { problem: FormProblem } {
  const names: Record<string, string> = {};
  for (const { language, name } of form.names) {
    const tag = language.trim();
    const trimmed = name.trim();
    if (trimmed === '' && tag === '') continue;
    if (!isLanguageTag(tag)) return { problem: { key: 'groups.form.bad_language', params: { language: tag }, field: 'names' } };
    if (trimmed === '') continue;
    if ([...trimmed].length > MAX_NAME_CHARS || /\p{Cc}/u.test(trimmed)) {
      return { problem: { key: 'groups.form.name_too_long', params: { language: tag, max: MAX_NAME_CHARS }, field: 'names' } };
    }
    if (Object.keys(names).some((l) => l.toLowerCase() === tag.toLowerCase())) {
      return { problem: { key: 'groups.form.language_twice', params: { language: tag }, field: 'names' } };
    }
    names[tag] = trimmed;
  }
  if (Object.keys(names).length === 0) return { problem: { key: 'groups.form.name_needed', field: 'names' } };
  // After the names: a new group's id is made from them.
  if (!isGroupId(form.id)) return { problem: { key: 'groups.form.bad_id', field: 'id' } };
  const description = form.description.trim();
  if ([...description].length > MAX_DESCRIPTION_CHARS) {
    return { problem: { key: 'groups.form.description_too_long', params: { max: MAX_DESCRIPTION_CHARS }, field: 'description' } };
  }
  return { input: description === '' ? { names } : { names, description } };
}

/** An id for a new group from its names: the English (or any Latin) name's letters and
 * digits, lowercased and joined by `-` ("Chinese tier 1" → `chinese-tier-1`); names with
 * none (中文一线) give `group-` and the time in base 36. Never one of `taken`: a write
 * replaces whatever holds its id. */
export function idFromNames(names: readonly NameRow[], taken: ReadonlySet<string>, now = Date.now()): string {
  const ordered = [...names].sort((a, b) => Number(base(b.language) === 'en') - Number(base(a.language) === 'en'));
  let slug = '';
  for (const { name } of ordered) {
    const words =
      name
        .normalize('NFKD')
        .replace(/[\u0300-\u036f]/g, '')
        .toLowerCase()
        .match(/[a-z0-9]+/g) ?? [];
    for (const word of words) {
      const next = slug === '' ? word : `${slug}-${word}`;
      if (next.length > 56) break;
      slug = next;
    }
    if (slug !== '') break;
  }
  if (slug === '') slug = `group-${now.toString(36)}`;
  let id = slug;
  for (let n = 2; taken.has(id); n++) id = `${slug}-${n}`;
  return id;
}
