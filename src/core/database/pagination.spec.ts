import type { SelectQueryBuilder } from 'typeorm';
import { BY_ID, cursorPage } from './pagination';

interface Row {
  id: string;
  seq: string;
}

/** A query builder that records what cursorPage asks of it and answers `rows` (already ordered). */
function fakeQuery(rows: Row[]) {
  const calls: unknown[][] = [];
  const qb = {
    alias: 'r',
    clone: () => ({ getCount: () => Promise.resolve(42) }),
    andWhere: (...args: unknown[]) => (calls.push(['andWhere', ...args]), qb),
    orderBy: (...args: unknown[]) => (calls.push(['orderBy', ...args]), qb),
    take: (n: number) => (calls.push(['take', n]), qb),
    getMany: () => Promise.resolve(rows),
  };
  return { qb: qb as unknown as SelectQueryBuilder<Row>, calls };
}

const row = (n: number): Row => ({ id: `id-${n}`, seq: String(n) });

describe('cursorPage', () => {
  it('pages by id ascending: one row more than asked tells that a next page exists', async () => {
    const { qb, calls } = fakeQuery([row(4), row(5), row(6)]);
    const page = await cursorPage(qb, BY_ID, 2, 'id-3');
    expect(calls).toEqual([
      ['andWhere', 'r.id > :after', { after: 'id-3' }],
      ['orderBy', 'r.id', 'ASC'],
      ['take', 3],
    ]);
    expect(page.items).toEqual([row(4), row(5)]);
    expect(page.nextCursor).toBe('id-5');
    await expect(page.totalCount()).resolves.toBe(42);
  });

  it('pages on its key column in its order, and has no next cursor on the last page', async () => {
    const { qb, calls } = fakeQuery([row(2), row(1)]);
    const page = await cursorPage(qb, { property: 'seq', order: 'DESC' }, 2, '3');
    expect(calls).toEqual([
      ['andWhere', 'r.seq < :after', { after: '3' }],
      ['orderBy', 'r.seq', 'DESC'],
      ['take', 3],
    ]);
    expect(page.items.map((r) => r.seq)).toEqual(['2', '1']);
    expect(page.nextCursor).toBeNull();
  });

  it('starts at the beginning without a cursor', async () => {
    const { qb, calls } = fakeQuery([]);
    const page = await cursorPage(qb, BY_ID, 5);
    expect(calls[0]).toEqual(['orderBy', 'r.id', 'ASC']);
    expect(page).toMatchObject({ items: [], nextCursor: null });
  });
});
