// What the Macros and Articles screens do alike around their tables: the one form open
// (a new record, or a row's), the delete prompt under a row, and where focus goes after
// each; a row opens with Enter or a click and the arrow keys move between rows. Each
// screen keeps its columns, its words, and what a save means to its own filters.
import { tick, untrack } from 'svelte';
import type { ApiError } from '../../lib/bindings';
import { desk } from '../../lib/desk.svelte';
import { t } from '../../lib/locale.svelte';
import type { RecordsState } from './knowledge.svelte';
import { moveRowFocus } from './rows';

export class RecordEditing<T extends { id: string; updated_at: number }, V, I> {
  /** The form open above the table: a new record's, or the row `id`'s. */
  form = $state.raw<{ mode: 'new' | 'edit'; id: string; initial: V } | null>(null);
  /** The row whose delete prompt is open. */
  confirming = $state<string | null>(null);
  deleting = $state(false);
  deleteError = $state.raw<ApiError | null>(null);
  /** The screen's section (its rows are looked for in it) and its "New" button. */
  section = $state<HTMLElement>();
  newButton = $state<HTMLButtonElement>();

  /** Made in a screen's script: from then on the records are read again after every sync
   * (only then: other session events change nothing here), which brings a colleague's
   * write, or this console's own. */
  constructor(
    readonly records: RecordsState<T, I>,
    /** `macro`, `article`: its rows are `macro-row` with `data-macro-id`, and so on. */
    readonly kind: 'macro' | 'article',
    private blank: () => V,
    private formOf: (record: T) => V,
  ) {
    const synced = $derived(desk.session?.last_synced_at ?? null);
    $effect(() => {
      void synced;
      untrack(() => void records.load());
    });
  }

  /** The delete refusal's words, with its code. */
  get refusal(): { code: string; text: string } | null {
    const error = this.deleteError;
    if (error === null) return null;
    return { code: error.code, text: t('knowledge.delete_refused', { error: t(`error.${error.code}`), reason: error.message }) };
  }

  openNew = (): void => {
    this.confirming = null;
    this.records.lastChange = null;
    this.form = { mode: 'new', id: '', initial: this.blank() };
  };

  openEdit = (record: T): void => {
    this.confirming = null;
    this.records.lastChange = null;
    this.form = { mode: 'edit', id: record.id, initial: this.formOf(record) };
  };

  focusRow(id: string): boolean {
    const row = this.section?.querySelector<HTMLElement>(
      `[data-testid="${this.kind}-row"][data-${this.kind}-id="${CSS.escape(id)}"]`,
    );
    row?.focus();
    return row !== null && row !== undefined;
  }

  closeForm = async (): Promise<void> => {
    const was = this.form;
    this.form = null;
    await tick();
    if (was?.mode !== 'edit' || !this.focusRow(was.id)) this.newButton?.focus();
  };

  /** Saves what the form holds; null when stored (the form closes, focus goes to the row),
   * else the server's refusal for the form to show. `saved` runs as the form closes. */
  async submit(id: string, input: I, saved?: () => void): Promise<ApiError | null> {
    const refused = await this.records.save(id, input, this.form?.mode === 'new');
    if (refused === null) {
      this.form = null;
      saved?.();
      await tick();
      this.focusRow(id);
    }
    return refused;
  }

  askDelete = async (record: T): Promise<void> => {
    if (this.form?.id === record.id) this.form = null;
    this.records.lastChange = null;
    this.deleteError = null;
    this.confirming = record.id;
    await tick();
    this.section?.querySelector<HTMLButtonElement>(`[data-testid="${this.kind}-delete-cancel"]`)?.focus();
  };

  cancelDelete = async (id: string): Promise<void> => {
    this.confirming = null;
    this.deleteError = null;
    await tick();
    this.focusRow(id);
  };

  confirmDelete = async (record: T): Promise<void> => {
    if (this.deleting) return;
    this.deleting = true;
    const refused = await this.records.remove(record);
    this.deleting = false;
    if (refused !== null) {
      this.deleteError = refused;
      return;
    }
    this.confirming = null;
    await tick();
    this.newButton?.focus();
  };

  onrowkey = (event: KeyboardEvent, record: T): void => {
    // The row's own buttons take their keys themselves.
    if (event.target !== event.currentTarget) return;
    if (event.key === 'Enter') {
      event.preventDefault();
      this.openEdit(record);
    } else if (moveRowFocus(event, this.section, `${this.kind}-row`)) {
      event.preventDefault();
    }
  };

  onrowclick = (event: MouseEvent, record: T): void => {
    if ((event.target as Element | null)?.closest('button')) return;
    this.openEdit(record);
  };
}

/** What a table row needs of its screen's editing, whatever the form holds. */
export type RowEditing<T extends { id: string; updated_at: number }> = Pick<
  RecordEditing<T, unknown, unknown>,
  'kind' | 'form' | 'confirming' | 'deleting' | 'refusal' | 'openEdit' | 'askDelete' | 'cancelDelete' | 'confirmDelete' | 'onrowkey' | 'onrowclick'
>;
