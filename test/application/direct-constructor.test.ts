import { injectable } from 'tsyringe';
import { Connection, Logger, Module, OnData, Protocol, Reactor } from '../../src';
import { createTestingApp } from '../../src/testing';

@injectable()
class Shared {}

let disposed = 0;

/** Needs nothing per connection but the Connection and its Logger: no child container. */
@Protocol()
class Plain {
  constructor(
    readonly shared: Shared,
    readonly conn: Connection,
    readonly log: Logger,
    readonly reactor: Reactor,
  ) {}
  @OnData() d(): void {}
  dispose(): void {
    disposed++;
  }
}

@Module({ protocols: [Plain], providers: [Shared] })
class M {}

describe('protocols built without a per-connection container', () => {
  it('get the same singletons, their own Connection and a connection-bound Logger, and are disposed at close', async () => {
    const t = createTestingApp(M);
    const a = t.connect(Plain);
    const b = t.connect(Plain);
    expect(t.app.metrics().liveScopes).toBe(0);
    expect(a.protocol.shared).toBe(b.protocol.shared);
    expect(a.protocol.shared).toBe(t.get(Shared));
    expect(a.protocol.reactor).toBe(t.reactor);
    expect(a.protocol.conn).toBe(a.connection);
    a.protocol.log.info('from a');
    expect(t.logs.records.find((r) => r.msg === 'from a')?.fields).toMatchObject({ conn: a.connection.id });
    a.peerClose();
    expect(disposed).toBe(1);
    await t.close();
  });
});
