import 'reflect-metadata';
import { Connection, Groups, GroupsModule, Module, OnConnect, OnData, Protocol, RedisGroupAdapter, lines, silentLogger } from 'torsion';
import { createTestingApp, MemoryLogger } from 'torsion/testing';

// Users without Redis must not pay for ioredis: here loading it fails, so only an application
// whose groups use the Redis adapter may touch it, and then only once a group exists.
jest.mock('ioredis', () => {
  throw new Error('ioredis was loaded');
});

@Protocol({ codec: lines() })
class Member {
  constructor(
    private readonly groups: Groups,
    private readonly conn: Connection,
  ) {}
  @OnConnect() joined(): void {
    this.groups.group('room').add(this.conn);
  }
  @OnData() data(): void {}
}

describe('ioredis loading', () => {
  it('is skipped without the Redis adapter, and a failure to load it is logged, never thrown', async () => {
    @Module({ imports: [GroupsModule], protocols: [Member] })
    class LocalModule {}
    const local = createTestingApp(LocalModule, { logger: silentLogger });
    local.connect(Member);
    expect(local.get(Groups).adapterName).toBe('local');
    await local.close();

    const logs = new MemoryLogger();
    @Module({ imports: [GroupsModule.configure({ adapter: () => new RedisGroupAdapter({ url: 'redis://127.0.0.1:1' }) })], protocols: [Member] })
    class RedisModule {}
    const remote = createTestingApp(RedisModule, { logger: logs });
    const c = remote.connect(Member); // makes the group, which opens the adapter
    await new Promise((resolve) => setImmediate(resolve));
    await remote.settle();
    expect(logs.records.some((r) => r.level === 'error' && /needs the ioredis package/.test(String(r.msg)))).toBe(true);
    expect(remote.get(Groups).group('room').broadcast('still local')).toBe(1);
    expect(c.frames()).toEqual(['still local']);
    await remote.close();
  });
});
