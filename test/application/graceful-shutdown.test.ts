import { Module, OnClose, OnData, OnShutdown, Protocol, lines, type CloseReason } from '../../src';
import { PEER_END, createTestingApp, type TestingApp } from '../../src/testing';

/** Replies at once to `ping`; `slow` waits for the test to release it (a handler in flight). */
@Protocol({ codec: lines() })
class Service {
  static release: Array<() => void> = [];
  static closes: CloseReason[] = [];
  @OnData() handle(line: string): string | Promise<string> {
    if (line !== 'slow') return `pong ${line}`;
    return new Promise((resolve) => Service.release.push(() => resolve('slow done')));
  }
  @OnShutdown() bye(): string {
    return '421 shutting down';
  }
  @OnClose() closed(reason: CloseReason): void {
    Service.closes.push(reason);
  }
}

/** The same without @OnShutdown: the shutdown only ends it. */
@Protocol({ codec: lines() })
class Plain {
  @OnData() handle(line: string): string {
    return line;
  }
}

/** An async @OnShutdown: its value is awaited and written before the FIN. */
@Protocol({ codec: lines() })
class AsyncBye {
  @OnData() handle(line: string): string {
    return line;
  }
  @OnShutdown() async bye(): Promise<string> {
    await Promise.resolve();
    return 'bye';
  }
}

@Module({ protocols: [Service, Plain, AsyncBye] })
class AppModule {}

/** What the connection sent after the last bytes: true when its FIN is out. */
function finSent(output: ReturnType<TestingApp['connect']>['connection']): boolean {
  const out = output.takeOutput();
  return out[out.length - 1] === PEER_END;
}

describe('app.close(): graceful shutdown on the virtual clock', () => {
  let t: TestingApp;
  beforeEach(() => {
    Service.release = [];
    Service.closes = [];
    t = createTestingApp(AppModule);
  });
  afterEach(async () => {
    for (const release of Service.release) release();
    await t.close();
  });

  it("writes @OnShutdown's value after the replies to what was received, then ends (FIN, then close)", async () => {
    const c = t.connect(Service, { halfOpen: true });
    c.send('a\nb\n');
    const closing = t.close({ timeoutMs: 10_000 });
    await t.settle();
    expect(c.frames()).toEqual(['pong a', 'pong b', '421 shutting down']);
    // Our FIN is out; the connection keeps reading until the peer's FIN (no RST over unread replies).
    expect(finSent(c.connection)).toBe(true);
    expect(c.closed).toBe(false);
    c.peerClose();
    const report = await closing;
    expect(c.closeReason?.kind).toBe('done');
    expect(report).toMatchObject({ closed: 1, aborted: 0, protocols: { Service: { closed: 1, aborted: 0 } }, clientsClosed: 0, framesDiscarded: 0 });
  });

  it('lets a handler in flight finish and flush its reply, runs @OnShutdown after it, and discards frames sent after the shutdown began', async () => {
    const c = t.connect(Service, { halfOpen: true });
    c.send('slow\nqueued\n');
    const closing = t.close({ timeoutMs: 10_000 });
    await t.advance(0); // a turn: the shutdown has begun (no settle: a handler is in flight)
    c.send('late\nlater\n'); // held (reading stopped), then read and discarded once the FIN is out
    expect(c.frames()).toEqual([]);
    expect(Service.release).toHaveLength(1);
    Service.release[0]();
    await t.settle();
    expect(c.frames()).toEqual(['slow done', 'pong queued', '421 shutting down']);
    expect(finSent(c.connection)).toBe(true);
    c.peerClose();
    const report = await closing;
    expect(c.closeReason?.kind).toBe('done');
    expect(Service.closes).toEqual([{ kind: 'done' }]);
    expect(report.closed).toBe(1);
    expect(report.aborted).toBe(0);
    expect(report.framesDiscarded).toBe(1); // the chunk read after our FIN, discarded undecoded
  });

  it('awaits an async @OnShutdown and writes its value before the FIN', async () => {
    const c = t.connect(AsyncBye);
    c.send('x\n');
    const report = await t.close();
    expect(c.frames()).toEqual(['x', 'bye']);
    expect(report.protocols).toEqual({ AsyncBye: { closed: 1, aborted: 0 } });
  });

  it('without @OnShutdown, a connection just ends', async () => {
    const c = t.connect(Plain);
    c.send('x\n');
    const report = await t.close();
    expect(c.frames()).toEqual(['x']);
    expect(c.closeReason?.kind).toBe('done');
    expect(report).toMatchObject({ closed: 1, aborted: 0 });
  });

  it('closes a connection whose peer never answers our FIN once the linger passes (reason done, counted closed)', async () => {
    const c = t.connect(Plain, { halfOpen: true });
    const closing = t.close({ timeoutMs: 10_000 });
    await t.settle();
    expect(finSent(c.connection)).toBe(true);
    expect(c.closed).toBe(false);
    await t.advance(2_000);
    const report = await closing;
    expect(c.closeReason?.kind).toBe('done');
    expect(report).toMatchObject({ closed: 1, aborted: 0 });
  });

  it('aborts what is still open at the deadline and counts it per protocol', async () => {
    const stuck = t.connect(Service);
    const quick = t.connect(Plain);
    stuck.send('slow\nnever\n');
    quick.send('x\n');
    const closing = t.close({ timeoutMs: 1_000 });
    await t.advance(0); // a turn: the shutdown has begun
    expect(quick.closed).toBe(true);
    expect(stuck.closed).toBe(false);
    await t.advance(1_000);
    const report = await closing;
    expect(stuck.closeReason?.kind).toBe('aborted');
    expect(stuck.frames()).toEqual([]); // neither the reply nor @OnShutdown: the handler never finished
    expect(report.durationMs).toBe(1_000);
    expect(report).toMatchObject({ closed: 1, aborted: 1, protocols: { Service: { closed: 0, aborted: 1 }, Plain: { closed: 1, aborted: 0 } } });
    expect(report.framesDiscarded).toBe(1); // 'never', queued behind the stuck handler
  });

  it('is idempotent: a second close() returns the same report', async () => {
    t.connect(Plain);
    const first = t.close();
    const second = t.close({ timeoutMs: 1 });
    expect(await second).toBe(await first);
  });

  it('rejects a timeoutMs that is not a finite number >= 0 (OptionError)', async () => {
    await expect(t.app.close({ timeoutMs: -1 })).rejects.toMatchObject({ code: 'TORSION_ERR_INVALID_OPTION' });
    await expect(t.app.close({ timeoutMs: Number.NaN })).rejects.toMatchObject({ code: 'TORSION_ERR_INVALID_OPTION' });
  });
});
