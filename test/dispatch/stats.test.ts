import { Connection, Listen, Module, OnData, OnError, OnIdle, Protocol, lines, type IdleKind } from 'torsion';
import { createTestingApp, type TestingApp } from 'torsion/testing';

// The plain counters behind /metrics, driven in memory: what each increment counts, and that
// the handler duration histogram costs nothing (no clock read) unless it is switched on.

/** "boom" throws, "later:x" answers x asynchronously, "bad-later" rejects, "ä" replies multi-byte text, anything else is echoed. */
@Listen(7000)
@Protocol({ codec: lines({ maxLength: 64 }) })
class Counted {
  constructor(private readonly conn: Connection) {}
  @OnData() data(line: string): string | Promise<string> | undefined {
    if (line === 'boom') throw new Error('boom');
    if (line === 'bad-later') return Promise.reject(new Error('later boom'));
    if (line.startsWith('later:')) return Promise.resolve(line.slice(6));
    if (line === 'write') {
      this.conn.write('raw\n'); // a write, not a reply
      return undefined;
    }
    return line;
  }
}

@Listen(7001)
@Protocol({ codec: lines(), idle: { readMs: 1000 } })
class Sleepy {
  static kinds: IdleKind[] = [];
  @OnData() data(line: string): string {
    return line;
  }
  @OnIdle() idle(kind: IdleKind): string {
    Sleepy.kinds.push(kind);
    return 'still there?';
  }
}

@Listen(7002)
@Protocol({ codec: lines({ maxLength: 4 }) })
class Strict {
  @OnData() data(line: string): string {
    return line;
  }
  @OnError() failed(): string {
    return 'ERR';
  }
}

@Module({ protocols: [Counted, Sleepy, Strict] })
class StatsModule {}

describe('protocol and connection stats', () => {
  let t: TestingApp;
  afterEach(() => t.close());

  it('counts frames in, replies out, bytes both ways and closes by reason', async () => {
    t = createTestingApp(StatsModule);
    const c = t.connect(Counted);
    c.send('one\ntwo\nwrite\nä\n', { split: 3 });
    await c.settle();
    const stats = t.app.table(Counted).stats;
    expect(stats.framesIn).toBe(4);
    expect(stats.repliesOut).toBe(3); // 'write' wrote raw bytes and returned nothing
    const memory = stats.endpoint('memory');
    expect(memory.bytesIn).toBe(Buffer.byteLength('one\ntwo\nwrite\nä\n'));
    // Bytes, not characters: 'ä' is two bytes in UTF-8. An open connection's are its transport's
    // count (read at scrape time); they move into the endpoint's bytesOut when it closes.
    expect(c.connection.bytesSent).toBe(Buffer.byteLength('one\ntwo\nraw\nä\n'));
    expect(memory.bytesOut).toBe(0);
    expect(memory.open).toBe(1);
    expect(memory.opened).toBe(1);
    c.peerClose();
    await c.settle();
    expect(memory.bytesOut).toBe(c.written().length);
    expect(memory.bytesOut).toBe(Buffer.byteLength('one\ntwo\nraw\nä\n'));
    expect(memory.open).toBe(0);
    expect(memory.closed).toEqual({ done: 1, lost: 0, aborted: 0, error: 0, timeout: 0 });
  });

  it('counts a handler failure once, and the close it causes as reason error', async () => {
    t = createTestingApp(StatsModule);
    const sync = t.connect(Counted);
    sync.send('boom\n');
    await sync.settle();
    // A rejection closes the connection: the frame queued behind it ('boom') never runs, so one failure.
    const async = t.connect(Counted);
    async.send('later:a\nbad-later\nboom\n');
    await async.settle();
    const stats = t.app.table(Counted).stats;
    expect(stats.handlerErrors).toBe(2);
    expect(stats.endpoint('memory').closed.error).toBe(2);
    expect(async.frames()).toEqual(['a']);
  });

  it('counts undecodable input apart from handler errors', async () => {
    t = createTestingApp(StatsModule);
    const c = t.connect(Strict);
    c.send('ok\ntoolong\n');
    await c.settle();
    const stats = t.app.table(Strict).stats;
    expect(stats.frameErrors).toBe(1);
    expect(stats.handlerErrors).toBe(0);
    // An oversized line is fatal for lines(): @OnError answers, then the connection closes.
    expect(c.frames()).toEqual(['ok', 'ERR']);
    expect(stats.repliesOut).toBe(2); // @OnError's answer is a reply too
    expect(stats.endpoint('memory').closed.error).toBe(1);
  });

  it('counts idle timeouts by kind, answered or not', async () => {
    Sleepy.kinds = [];
    t = createTestingApp(StatsModule);
    t.connect(Sleepy);
    await t.advance(1000);
    await t.advance(1000);
    expect(Sleepy.kinds).toEqual(['read', 'read']);
    expect(t.app.table(Sleepy).stats.idleTimeouts).toEqual({ read: 2, write: 0, all: 0 });
  });

  it('reads no clock per handler unless the histogram is on', async () => {
    t = createTestingApp(StatsModule);
    expect(t.app.table(Counted).stats.durations).toBeUndefined();
    const now = jest.spyOn(performance, 'now');
    try {
      const c = t.connect(Counted);
      c.send('a\nb\n');
      await c.settle();
      expect(now).not.toHaveBeenCalled();
    } finally {
      now.mockRestore();
    }
  });

  it('times every @OnData call into the histogram when it is on, async ones until they settle', async () => {
    t = createTestingApp(StatsModule, { metrics: { histogram: true } });
    const c = t.connect(Counted);
    c.send('a\nlater:b\nboom\n');
    await c.settle();
    const durations = t.app.table(Counted).stats.durations;
    expect(durations?.count).toBe(3);
    expect(durations?.counts.reduce((a, b) => a + b, 0)).toBe(3);
    expect(durations?.sum).toBeGreaterThanOrEqual(0);
  });

  it('keeps histogram off when metrics say so', async () => {
    t = createTestingApp(StatsModule, { metrics: { histogram: false } });
    expect(t.app.table(Counted).stats.durations).toBeUndefined();
  });
});
