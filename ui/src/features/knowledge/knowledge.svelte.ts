// The Macros and Articles screens' state: the cached records (read again after each sync,
// as every console gets a write through the feed), with this console's own writes shown
// over them until that sync brings them (`overlay`). Writes are the server's now, never
// queued: offline, the form says so and keeps what was typed.
import { toApiError } from '../../lib/api';
import type { ApiError, ArticleInput, KbArticle, Macro, MacroInput } from '../../lib/bindings';
import { knowledgeApi, overlay } from './knowledge';

type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

/** Requests from the command palette ("New macro", "New article"): set, then taken by
 * the screen when it shows, whether it was open or not. */
export const knowledgeRequests = $state({ newMacro: false, newArticle: false });

export interface Change {
  kind: 'created' | 'saved' | 'deleted';
  id: string;
}

interface RecordApi<T, I> {
  read(): Promise<T[]>;
  put(id: string, input: I): Promise<T>;
  remove(id: string): Promise<unknown>;
}

export class RecordsState<T extends { id: string; updated_at: number }, I> {
  /** The cache with this console's writes over it. */
  records = $state.raw<readonly T[]>([]);
  status = $state<LoadStatus>('idle');
  error = $state.raw<ApiError | null>(null);
  /** The last write, for the screen to announce. */
  lastChange = $state.raw<(Change & { record: T | null }) | null>(null);
  private cached: readonly T[] = [];
  private written = new Map<string, T | null>();
  private token = 0;

  constructor(private api: RecordApi<T, I>) {}

  async load(): Promise<void> {
    const token = ++this.token;
    if (this.records.length === 0 && this.status !== 'ready') this.status = 'loading';
    try {
      const cached = await this.api.read();
      if (token !== this.token) return;
      this.cached = cached;
      this.show();
      this.status = 'ready';
      this.error = null;
    } catch (e) {
      if (token !== this.token) return;
      this.error = toApiError(e);
      this.status = 'error';
    }
  }

  private show(): void {
    const { list, settled } = overlay(this.cached, this.written);
    for (const id of settled) this.written.delete(id);
    this.records = list;
  }

  /** Creates (`created`) or replaces a record; null when stored, else the server's refusal. */
  async save(id: string, input: I, created: boolean): Promise<ApiError | null> {
    try {
      const stored = await this.api.put(id, input);
      this.written.set(stored.id, stored);
      this.show();
      this.lastChange = { kind: created ? 'created' : 'saved', id: stored.id, record: stored };
      return null;
    } catch (e) {
      return toApiError(e);
    }
  }

  async remove(record: T): Promise<ApiError | null> {
    try {
      await this.api.remove(record.id);
      this.written.set(record.id, null);
      this.show();
      this.lastChange = { kind: 'deleted', id: record.id, record };
      return null;
    } catch (e) {
      return toApiError(e);
    }
  }
}

export class MacrosState extends RecordsState<Macro, MacroInput> {
  constructor() {
    super({ read: knowledgeApi.macros, put: knowledgeApi.putMacro, remove: knowledgeApi.deleteMacro });
  }
}

export class ArticlesState extends RecordsState<KbArticle, ArticleInput> {
  constructor() {
    super({ read: knowledgeApi.articles, put: knowledgeApi.putArticle, remove: knowledgeApi.deleteArticle });
  }
}

/** The preview of the Markdown being written, as the help center will show it: asked of
 * the shell a moment after typing stops; a late answer for older text is dropped. */
export class Preview {
  html = $state('');
  error = $state.raw<ApiError | null>(null);
  private token = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  show(text: string, delayMs = 150): void {
    if (this.timer !== null) clearTimeout(this.timer);
    const token = ++this.token;
    this.timer = setTimeout(() => {
      this.timer = null;
      knowledgeApi.renderMarkdown(text).then(
        (html) => {
          if (token !== this.token) return;
          this.html = html;
          this.error = null;
        },
        (e: unknown) => {
          if (token === this.token) this.error = toApiError(e);
        },
      );
    }, delayMs);
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.token++;
  }
}
