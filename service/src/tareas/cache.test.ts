import { describe, expect, it } from 'vitest';
import { createDisabledCache, listKey, tareaKey } from './cache.js';

describe('cache keys', () => {
  it('should key items by id and lists by generation and query', () => {
    expect(tareaKey(12)).toBe('tareas:item:12');
    expect(listKey('4', { estado: undefined, limit: 50, offset: 0 })).toBe('tareas:list:4:*:50:0');
    expect(listKey('4', { estado: 'completada', limit: 10, offset: 20 })).toBe(
      'tareas:list:4:completada:10:20',
    );
  });
});

describe('createDisabledCache', () => {
  it('should always load from the database', async () => {
    const cache = createDisabledCache();
    let loads = 0;
    const load = async () => {
      loads += 1;
      return [];
    };

    await cache.list({ estado: undefined, limit: 1, offset: 0 }, load);
    await cache.list({ estado: undefined, limit: 1, offset: 0 }, load);

    expect(loads).toBe(2);
  });
});
