import 'reflect-metadata';
import { Groups, GroupsModule, Module } from 'torsion';
import { MemoryGroupBus, createTestingApp, nextTurn, type TestConnection, type TestingApp } from 'torsion/testing';
import { RoomMember as Member } from '../support/room-member';


function news(c: TestConnection<unknown>): unknown[] {
  const frames = c.frames();
  c.clear();
  return frames;
}

/** Two applications ("processes") whose groups share one in-memory bus. */
function twoApps(options: { maxPendingMessages?: number; maxPendingBytes?: number } = {}): { bus: MemoryGroupBus; a: TestingApp; b: TestingApp } {
  const bus = new MemoryGroupBus();
  // One configured module for both applications: each gets an adapter of its own.
  const SharedGroups = GroupsModule.configure({ ...options, adapter: () => bus.adapter() });
  @Module({ imports: [SharedGroups], protocols: [Member] })
  class RoomModule {}
  return { bus, a: createTestingApp(RoomModule), b: createTestingApp(RoomModule) };
}

/** Lets the bus deliver (a microtask) and the receiving side flush its batch (another). */
async function delivered(): Promise<void> {
  await nextTurn();
}

describe('groups across applications (MemoryGroupBus)', () => {
  let apps: TestingApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.map((t) => t.close()));
    apps = [];
  });

  it('a broadcast reaches the members of every application once, never the sender', async () => {
    const { a, b } = twoApps();
    apps = [a, b];
    const [a1, a2, b1, b2] = [a.connect(Member), a.connect(Member), b.connect(Member), b.connect(Member)];
    a1.send('hello\n');
    expect(news(a2)).toEqual(['hello']); // local members at once
    await delivered();
    expect([news(a1), news(a2), news(b1), news(b2)]).toEqual([[], [], ['hello'], ['hello']]);
    b2.send('hi back\n');
    await delivered();
    expect([news(a1), news(a2), news(b1), news(b2)]).toEqual([['hi back'], ['hi back'], ['hi back'], []]);
    expect(a.get(Groups).stats).toMatchObject({ published: 1, received: 1, dropped: 0, failed: 0 });
  });

  it('while the bus is away, local members still get broadcasts; what is published is held within the bound, then sent in order', async () => {
    const { bus, a, b } = twoApps({ maxPendingMessages: 3 });
    apps = [a, b];
    const [a1, a2, b1] = [a.connect(Member), a.connect(Member), b.connect(Member)];
    bus.down();
    a1.send('1\n2\n3\n4\n5\n');
    expect(news(a2)).toEqual(['1', '2', '3', '4', '5']);
    await delivered();
    expect(news(b1)).toEqual([]);
    expect(a.get(Groups).stats).toMatchObject({ pendingMessages: 3, dropped: 2, published: 0 });
    bus.up();
    await delivered();
    expect(news(b1)).toEqual(['1', '2', '3']); // the oldest, in order; 4 and 5 did not fit
    expect(a.get(Groups).stats).toMatchObject({ pendingMessages: 0, pendingBytes: 0, dropped: 2, published: 3 });
    a1.send('6\n');
    await delivered();
    expect(news(b1)).toEqual(['6']);
  });

  it('the outage bound counts bytes too, checked before a message is held', async () => {
    const { bus, a, b } = twoApps({ maxPendingBytes: 100 });
    apps = [a, b];
    const [a1, b1] = [a.connect(Member), b.connect(Member)];
    bus.down();
    for (let i = 0; i < 10; i++) a.get(Groups).group('room').broadcast(`${i}${'x'.repeat(20)}`);
    const { pendingBytes, pendingMessages, dropped } = a.get(Groups).stats;
    expect(pendingBytes).toBeLessThanOrEqual(100);
    expect(pendingMessages).toBeGreaterThan(0);
    expect(pendingMessages + dropped).toBe(10);
    news(a1);
    bus.up();
    await delivered();
    expect(news(b1)).toHaveLength(pendingMessages);
  });

  it('a value that cannot travel between processes throws before anything is written', () => {
    const { a, b } = twoApps();
    apps = [a, b];
    const [a1] = [a.connect(Member), a.connect(Member)];
    news(a1);
    expect(() => a.get(Groups).group('room').broadcast(() => 1)).toThrow(expect.objectContaining({ code: 'TORSION_ERR_ENCODE' }));
    expect(news(a1)).toEqual([]);
  });

  it('a message that is not a group message is counted and dropped; the members go on', async () => {
    const { bus, a, b } = twoApps();
    apps = [a, b];
    const a1 = a.connect(Member);
    const stranger = bus.adapter();
    stranger.open({ message: () => undefined, ready: () => undefined }, a.logs);
    await stranger.publish('room', Buffer.from('not a torsion message'));
    await stranger.publish('room', Buffer.from([1, ...new Array(16).fill(0), 0xff, 0xff]));
    await delivered();
    expect(a.get(Groups).stats.rejected).toBe(2);
    b.connect(Member).send('still fine\n');
    await delivered();
    expect(news(a1)).toEqual(['still fine']);
    await stranger.close();
  });

  it('a message from another process that a local codec cannot encode is logged there; the members go on', async () => {
    const { a, b } = twoApps();
    apps = [a, b];
    const [a1, b1] = [a.connect(Member), b.connect(Member)];
    // lines() writes strings and bytes: a throws for its own member, after publishing it.
    expect(() => a.get(Groups).group('room').broadcast({ n: 1 })).toThrow(expect.objectContaining({ code: 'TORSION_ERR_ENCODE' }));
    await delivered();
    expect(b.logs.records.some((r) => r.level === 'warn' && /could not be encoded/.test(r.msg))).toBe(true);
    a1.send('ok\n');
    await delivered();
    expect(news(b1)).toEqual(['ok']);
    expect(b1.closed).toBe(false);
  });

  it('a closed group no longer hears the others; a closed application leaves the bus', async () => {
    const { a, b } = twoApps();
    apps = [a, b];
    const a1 = a.connect(Member);
    const b1 = b.connect(Member);
    b.get(Groups).group('room').close();
    a1.send('anyone?\n');
    await delivered();
    expect(news(b1)).toEqual([]);
    expect(b.get(Groups).stats.received).toBe(0);
    await b.close();
    a1.send('after\n');
    await delivered();
    expect(a.get(Groups).stats.failed).toBe(0);
  });
});
