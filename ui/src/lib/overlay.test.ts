import { describe, expect, test } from 'vitest';
import { overlay } from './overlay';

const record = (id: string, updated_at: number, name = id) => ({ id, updated_at, name });

describe('overlay', () => {
  test('this console’s writes show until the cache has them', () => {
    const renamed = record('cn-support', 5, 'CN tier 1');
    const written = new Map([
      ['cn-support', renamed],
      ['vip-desk', null],
    ]);
    const before = overlay([record('cn-support', 1), record('vip-desk', 1)], written);
    expect(before.list, 'the rename shows and the deletion hides, though the cache has neither yet').toEqual([renamed]);
    expect(before.settled, 'nothing to forget while the cache is behind').toEqual([]);
    const after = overlay([renamed], written);
    expect(after.settled.sort(), 'the cache caught up with both writes').toEqual(['cn-support', 'vip-desk']);
  });
});
