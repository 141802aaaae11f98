import { ConnectionList } from '../../src/reactor/connection-list';

function conn(id: number): { id: number; listSlot: number } {
  return { id, listSlot: -1 };
}

describe('ConnectionList (the reactor\'s live connections)', () => {
  it('adds and removes in any order; size and iteration follow', () => {
    const list = new ConnectionList<{ id: number; listSlot: number }>();
    const all = [1, 2, 3, 4, 5].map(conn);
    for (const c of all) list.add(c);
    expect(list.size).toBe(5);
    expect(list.delete(all[1])).toBe(true); // the last one moves into its place
    expect(list.delete(all[4])).toBe(true);
    expect(list.delete(all[0])).toBe(true);
    expect(list.size).toBe(2);
    expect([...list].map((c) => c.id).sort()).toEqual([3, 4]);
    for (const c of [...list]) expect(list.delete(c)).toBe(true);
    expect(list.size).toBe(0);
    expect([...list]).toEqual([]);
  });

  it('a connection it does not hold, or no longer holds, is not removed (nor anything else)', () => {
    const list = new ConnectionList<{ id: number; listSlot: number }>();
    const [a, b, stranger] = [conn(1), conn(2), conn(3)];
    list.add(a);
    list.add(b);
    expect(list.delete(stranger)).toBe(false);
    expect(list.delete(a)).toBe(true);
    expect(list.delete(a)).toBe(false);
    stranger.listSlot = 0; // a stale slot pointing at someone else's place
    expect(list.delete(stranger)).toBe(false);
    expect([...list]).toEqual([b]);
  });

  it('iterates over a snapshot: closing connections meanwhile skips none of the others', () => {
    const list = new ConnectionList<{ id: number; listSlot: number }>();
    const all = Array.from({ length: 10 }, (_, i) => conn(i));
    for (const c of all) list.add(c);
    const seen: number[] = [];
    for (const c of list) {
      seen.push(c.id);
      list.delete(c);
      if (c.id === 0) list.delete(all[9]); // another one goes too
    }
    expect(seen.sort((x, y) => x - y)).toEqual(all.map((c) => c.id));
    expect(list.size).toBe(0);
  });

  it('holds many: a churn of 10,000 adds and removes keeps every live one exactly once', () => {
    const list = new ConnectionList<{ id: number; listSlot: number }>();
    const live = new Set<{ id: number; listSlot: number }>();
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let i = 0; i < 10_000; i++) {
      if (live.size > 0 && next() % 3 === 0) {
        const victim = [...live][next() % live.size];
        live.delete(victim);
        expect(list.delete(victim)).toBe(true);
      } else {
        const c = conn(i);
        live.add(c);
        list.add(c);
      }
    }
    expect(list.size).toBe(live.size);
    expect(new Set(list)).toEqual(live);
  });
});
