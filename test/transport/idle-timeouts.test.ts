import { Connection, Listen, Module, OnData, OnIdle, Protocol, lines, type IdleKind } from '../../src';
import { createTestingApp, type TestingApp } from '../../src/testing';

/** Answers idleness with a line and stays open. */
@Protocol({ codec: lines(), idle: { readMs: 1000 } })
class Pinger {
  readonly events: IdleKind[] = [];
  @OnData() got(line: string): string {
    return `got ${line}`;
  }
  @OnIdle() idle(kind: IdleKind): string {
    this.events.push(kind);
    return `PING ${kind}`;
  }
}

/** No @OnIdle: an idle connection is ended with reason timeout. */
@Protocol({ codec: lines(), idle: { allMs: 5000 } })
class Strict {
  constructor(readonly conn: Connection) {}
  @OnData() got(line: string): string {
    return line;
  }
}

/** Only what we write counts for writeMs. */
@Protocol({ codec: lines(), idle: { writeMs: 2000 } })
class Quiet {
  readonly events: IdleKind[] = [];
  @OnData() got(): void {}
  @OnIdle() idle(kind: IdleKind): void {
    this.events.push(kind);
  }
}

/** The listener shortens the protocol's timeout; t.connect applies it as the accept path does. */
@Listen({ port: 7100, idle: { readMs: 1000 } })
@Protocol({ codec: lines(), idle: { readMs: 600_000 } })
class Listened {
  @OnData() got(): void {}
}

@Module({ protocols: [Pinger, Strict, Quiet, Listened] })
class IdleModule {}

describe('idle timeouts (@Protocol({ idle }), @OnIdle)', () => {
  let t: TestingApp;
  beforeEach(() => (t = createTestingApp(IdleModule)));
  afterEach(() => t.close());

  it('calls @OnIdle("read") once per idle period, writes its value and keeps the connection', async () => {
    const c = t.connect(Pinger);
    await t.advance(999);
    expect(c.protocol.events).toEqual([]);
    // The sweep runs every 250 ms: the timeout fires within one sweep after its period.
    await t.advance(250);
    expect(c.protocol.events).toEqual(['read']);
    expect(c.frames()).toEqual(['PING read']);
    await t.advance(1000);
    expect(c.protocol.events).toEqual(['read', 'read']);
    expect(c.closed).toBe(false);
  });

  it('does not fire while the peer keeps sending', async () => {
    const c = t.connect(Pinger);
    for (let i = 0; i < 10; i++) {
      await t.advance(500);
      c.send(`line ${i}\n`);
    }
    expect(c.protocol.events).toEqual([]);
    expect(c.frames()).toHaveLength(10);
  });

  it('ends an idle connection with reason timeout when the protocol has no @OnIdle', async () => {
    const c = t.connect(Strict);
    c.send('hello\n');
    await t.advance(4000);
    expect(c.closed).toBe(false);
    await t.advance(2000);
    expect(c.closed).toBe(true);
    expect(c.closeReason).toEqual({ kind: 'timeout' });
    expect(c.frames()).toEqual(['hello']);
  });

  it('counts only writes for writeMs: reading does not keep it from firing', async () => {
    const c = t.connect(Quiet);
    for (let i = 0; i < 5; i++) {
      c.send('x\n');
      await t.advance(500);
    }
    expect(c.protocol.events).toEqual(['write']);
  });

  it('stops sweeping once no connection is watched', async () => {
    const c = t.connect(Pinger);
    expect(t.reactor.pendingTimers).toBe(1);
    c.peerClose();
    await c.settle();
    expect(t.reactor.pendingTimers).toBe(0);
  });

  it('takes the idle timeouts of the protocol\'s @Listen over its own', async () => {
    const c = t.connect(Listened);
    await t.advance(1250);
    expect(c.closeReason).toEqual({ kind: 'timeout' });
  });

  it('refuses invalid idle options at bootstrap, naming the protocol', () => {
    @Protocol({ idle: { readMs: -1 } })
    class Bad {
      @OnData() d(): void {}
    }
    @Module({ protocols: [Bad] })
    class BadModule {}
    expect(() => createTestingApp(BadModule)).toThrow(/@Protocol\(\) of Bad: idle.readMs must be a number of ms >= 0/);
  });
});
