import 'reflect-metadata';
import { Groups, GroupsModule, Module, RedisGroupAdapter, silentLogger, OptionError } from 'torsion';
import { createTestingApp, type TestConnection, type TestingApp } from 'torsion/testing';
import { eventually } from '../support/peer';
import { RedisServer } from '../support/redis-server';
import { RoomMember as Member } from '../support/room-member';


const heard = (c: TestConnection<unknown>): string[] => c.frames<string>();

/**
 * RedisGroupAdapter against a real redis-server (started here on a free port): two applications
 * in this process stand for two processes, each with its own pair of Redis connections.
 */
describe('groups over Redis (RedisGroupAdapter, real redis-server)', () => {
  let redis: RedisServer;
  let apps: TestingApp[] = [];
  beforeAll(async () => {
    redis = await RedisServer.start();
  }, 30_000);
  afterAll(async () => {
    await redis?.kill();
  });
  afterEach(async () => {
    await Promise.all(apps.map((t) => t.close()));
    apps = [];
  });

  function app(options: { maxPendingMessages?: number } = {}): TestingApp {
    const SharedGroups = GroupsModule.configure({ ...options, adapter: () => new RedisGroupAdapter({ url: redis.url, channelPrefix: 'test:' }) });
    @Module({ imports: [SharedGroups], protocols: [Member] })
    class RoomModule {}
    const t = createTestingApp(RoomModule, { logger: silentLogger });
    apps.push(t);
    return t;
  }

  /** `from` broadcasts numbered probes until `to` hears one (bounded): subscriptions come up on their own schedule. */
  async function linked(from: TestConnection<unknown>, to: TestConnection<unknown>, tag: string): Promise<void> {
    for (let i = 0; i < 60; i++) {
      from.send(`${tag} ${i}\n`);
      try {
        await eventually(() => heard(to).some((l) => l.startsWith(`${tag} `)), 500, 'a probe');
        return;
      } catch {
        // not through yet
      }
    }
    throw new Error(`${tag}: no probe crossed in 60 tries`);
  }

  it('carries broadcasts between applications, once each, and recovers after Redis restarts with what was held within the bound', async () => {
    const [a, b] = [app({ maxPendingMessages: 2 }), app()];
    const [a1, a2, b1] = [a.connect(Member), a.connect(Member), b.connect(Member)];
    await linked(a1, b1, 'probe');
    expect(a.get(Groups).adapterReady).toBe(true);
    a1.send('hello\n');
    await eventually(() => heard(b1).includes('hello'), 10_000, 'hello across');
    expect(heard(a2).filter((l) => l === 'hello')).toHaveLength(1); // not again through Redis
    a1.clear();
    a2.clear();
    b1.clear();

    await redis.kill();
    const groupsA = a.get(Groups);
    await eventually(() => !groupsA.adapterReady, 10_000, 'the adapter to see Redis gone');
    a1.send('one\ntwo\nthree\n');
    expect(heard(a2)).toEqual(['one', 'two', 'three']); // local members at once
    expect(groupsA.stats).toMatchObject({ pendingMessages: 2, dropped: 1 });

    await redis.start();
    await eventually(() => groupsA.stats.pendingMessages === 0, 20_000, 'the held messages published');
    await linked(b1, a1, 'again');
    a1.send('back\n');
    await eventually(() => heard(b1).includes('back'), 10_000, 'back across');
    expect(heard(b1).filter((l) => l === 'three')).toEqual([]); // over the bound: dropped, never sent
    expect(heard(b1).filter((l) => l === 'one').length).toBeLessThanOrEqual(1); // at most once
  }, 120_000);

  it('a bad URL is an OptionError at once', () => {
    expect(() => new RedisGroupAdapter({ url: 'http://localhost:6379' })).toThrow(OptionError);
    expect(() => new RedisGroupAdapter({ url: 'not a url' })).toThrow(OptionError);
  });
});
