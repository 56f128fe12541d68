// A cached list with this console's own writes shown over it (the Macros, Articles and
// Groups screens): a write is the server's at once, but reaches the cache only with the
// sync it wakes, so a list read before that must not show the record as it was (or a
// deleted one again).

interface Versioned {
  id: string;
  updated_at: number;
}

/**
 * The cached records with this console's writes over them until the cache has them.
 * `written` maps an id to what the server answered, `null` for a deletion; `settled` are
 * the writes the cache now has, to forget.
 */
export function overlay<T extends Versioned>(
  cached: readonly T[],
  written: ReadonlyMap<string, T | null>,
): { list: T[]; settled: string[] } {
  const settled: string[] = [];
  const byId = new Map(cached.map((r) => [r.id, r]));
  for (const [id, mine] of written) {
    const inCache = byId.get(id);
    if (mine === null) {
      if (inCache === undefined) settled.push(id);
      else byId.delete(id);
    } else if (inCache !== undefined && inCache.updated_at >= mine.updated_at) {
      settled.push(id);
    } else {
      byId.set(id, mine);
    }
  }
  return { list: [...byId.values()], settled };
}
