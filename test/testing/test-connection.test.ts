import { Connection, HandlerError, Module, OnClose, OnConnect, OnData, OnDrain, OnError, Protocol, type CloseReason } from 'torsion';
import { createTestingApp, type TestingApp } from 'torsion/testing';
import { textLines } from './fixtures/text-lines';

/** Records everything that happens to it, so tests can check order and content. */
@Protocol({ codec: textLines() })
class Recorder {
  readonly events: string[] = [];
  reason: CloseReason | undefined;

  constructor(readonly conn: Connection) {}

  @OnConnect() hello(): string {
    return `hello ${this.conn.remoteAddress}:${this.conn.remotePort} via ${this.conn.transport}`;
  }

  @OnData() line(line: string): string | Promise<string> | undefined {
    this.events.push(line);
    if (line === 'boom') throw new Error('kaboom');
    if (line === 'quit') {
      this.conn.end();
      return 'bye';
    }
    if (line === 'abort') {
      this.conn.destroy();
      return undefined;
    }
    if (line === 'reject') return Promise.reject(new Error('async kaboom'));
    if (line.startsWith('slow ')) {
      // Resolves after a few microtask hops, after later frames have arrived.
      return Promise.resolve().then(() => Promise.resolve()).then(() => `done ${line.slice(5)}`);
    }
    return `echo ${line}`;
  }

  @OnDrain() drained(): void {
    this.events.push('<drain>');
  }

  @OnClose() closed(reason: CloseReason): void {
    this.reason = reason;
    this.events.push(`<close ${reason.kind}>`);
  }
}

/** Like Recorder but with an @OnError that answers before the connection closes. */
@Protocol({ codec: textLines() })
class Apologetic {
  @OnData() line(line: string): string {
    if (line === 'boom') throw new Error('kaboom');
    return line;
  }
  @OnError() oops(error: Error): string {
    return `sorry: ${error.message}`;
  }
}

/** A hook the test overrides to make the peer stop reading in the middle of a read. */
class Stall {
  now(): void {}
}

/** Flushes every reply at once (tiny high-water mark), so a full buffer is seen mid-read. */
@Protocol({ codec: textLines(), writeHighWaterMark: 1 })
class Staller {
  readonly events: string[] = [];
  constructor(private readonly stall: Stall) {}
  @OnData() line(line: string): string {
    this.events.push(line);
    if (line === 'stall') this.stall.now();
    return line;
  }
}

/** One per connection: a protocol that injects it gets its own DI scope per connection. */
class PerConnection {}

@Protocol({ codec: textLines() })
class Scoped {
  constructor(readonly per: PerConnection) {}
  @OnData() line(): void {}
}

@Module({ protocols: [Recorder, Apologetic, Staller, Scoped], providers: [Stall, { provide: PerConnection, useClass: PerConnection, scope: 'connection' }] })
class AppModule {}

describe('TestConnection (an in-memory connection driven like a socket)', () => {
  let t: TestingApp;
  beforeEach(() => {
    t = createTestingApp(AppModule);
  });
  afterEach(() => t.close());

  it('runs @OnConnect with the peer address given, before any input', () => {
    const c = t.connect(Recorder, { peer: { address: '203.0.113.7', port: 4242 } });
    expect(c.frames()).toEqual(['hello 203.0.113.7:4242 via memory']);
    expect(c.protocol).toBeInstanceOf(Recorder);
    expect(c.protocol.conn).toBe(c.connection);
  });

  it('delivers the same frames whatever the chunking: whole, byte by byte, fixed sizes, seeded random', () => {
    const input = 'alpha\nbeta\nγάμμα\n';
    for (const split of [undefined, 1, 2, 3, [4, 1, 9], { seed: 1 }, { seed: 7, maxChunk: 3 }]) {
      const c = t.connect(Recorder);
      c.clear();
      c.send(input, { split });
      expect(c.protocol.events).toEqual(['alpha', 'beta', 'γάμμα']);
      expect(c.frames()).toEqual(['echo alpha', 'echo beta', 'echo γάμμα']);
    }
  });

  it('writes the replies of one read in one write', () => {
    const c = t.connect(Recorder);
    c.clear();
    c.send('a\nb\nc\n');
    expect(c.connection.writtenChunks).toHaveLength(1);
    expect(c.text()).toBe('echo a\necho b\necho c\n');
  });

  it('keeps replies in request order when an async handler is followed by sync ones', async () => {
    const c = t.connect(Recorder);
    c.clear();
    c.send('slow 1\nfast\nslow 2\n', { split: 1 });
    expect(c.frames()).toEqual([]); // the first handler is still in flight, the rest wait behind it
    expect(c.protocol.events).toEqual(['slow 1']);
    await c.settle();
    expect(c.frames()).toEqual(['done 1', 'echo fast', 'done 2']);
  });

  it('closes with reason error (a HandlerError with the cause) when a handler throws, and dispatches nothing after', async () => {
    const c = t.connect(Recorder);
    c.send('ok\nboom\nnever\n');
    expect(c.closed).toBe(true);
    expect(c.closeReason?.kind).toBe('error');
    expect(c.closeReason?.error).toBeInstanceOf(HandlerError);
    expect((c.closeReason?.error as HandlerError).cause).toEqual(new Error('kaboom'));
    expect(c.protocol.events).toEqual(['ok', 'boom', '<close error>']);
    expect(t.logs.at('error').map((r) => r.msg)).toContain('handler failed, closing');
    await expect(c.finished).resolves.toMatchObject({ kind: 'error' });
  });

  it('closes with reason error when an async handler rejects, after the replies before it', async () => {
    const c = t.connect(Recorder);
    c.clear();
    c.send('one\nreject\nnever\n');
    await c.settle();
    expect(c.frames()).toEqual(['echo one']);
    expect(c.closeReason?.kind).toBe('error');
    expect((c.closeReason?.error as HandlerError).cause).toEqual(new Error('async kaboom'));
    expect(c.protocol.events).toEqual(['one', 'reject', '<close error>']);
  });

  it('lets @OnError answer before closing with reason error', () => {
    const c = t.connect(Apologetic);
    c.send('fine\nboom\n');
    expect(c.frames()).toEqual(['fine', 'sorry: kaboom']);
    expect(c.closeReason?.kind).toBe('error');
  });

  it('closes with reason done when the peer closes (FIN), after replying to what it sent', () => {
    const c = t.connect(Recorder);
    c.clear();
    c.send('last\n');
    c.peerClose();
    expect(c.closed).toBe(true);
    expect(c.closeReason).toEqual({ kind: 'done', error: undefined });
    expect(c.frames()).toEqual(['echo last']);
    expect(c.protocol.events).toEqual(['last', '<close done>']);
  });

  it('answers the frames in flight before closing on a FIN that arrives during an async handler', async () => {
    const c = t.connect(Recorder);
    c.clear();
    c.send('slow x\nfast\n');
    c.peerClose();
    expect(c.closed).toBe(false);
    await c.settle();
    expect(c.frames()).toEqual(['done x', 'echo fast']);
    expect(c.closeReason?.kind).toBe('done');
  });

  it('closes with reason lost (ECONNRESET) when the peer resets', () => {
    const c = t.connect(Recorder);
    c.peerReset();
    expect(c.closed).toBe(true);
    expect(c.closeReason?.kind).toBe('lost');
    expect((c.closeReason?.error as NodeJS.ErrnoException).code).toBe('ECONNRESET');
    expect(c.protocol.events).toEqual(['<close lost>']);
  });

  it('ends with reason done when the protocol ends, and does not re-enter @OnClose from inside the handler', () => {
    const c = t.connect(Recorder);
    c.clear();
    c.send('quit\nignored\n');
    expect(c.frames()).toEqual(['bye']);
    expect(c.protocol.events).toEqual(['quit', '<close done>']);
    expect(c.connection.discardedFrames).toBe(1);
  });

  it('keeps a half-open peer until it closes too', () => {
    const c = t.connect(Recorder, { halfOpen: true });
    c.send('quit\n');
    expect(c.closed).toBe(false);
    expect(c.connection.state).toBe('closing');
    c.peerClose();
    expect(c.closeReason?.kind).toBe('done');
  });

  it('reports aborted when the protocol destroys the connection', () => {
    const c = t.connect(Recorder);
    c.send('abort\n');
    expect(c.closeReason).toEqual({ kind: 'aborted', error: undefined });
    expect(c.protocol.events).toEqual(['abort', '<close aborted>']);
  });

  it('pauses dispatch while the peer does not read: frames wait, no handler runs, and all resume on drain', () => {
    const c = t.connect(Recorder);
    c.clear();
    c.setWritable(false);
    expect(c.connection.isReading).toBe(false);
    c.send('one\ntwo\n');
    c.send('three\n');
    expect(c.protocol.events).toEqual([]);
    expect(c.connection.heldBytes).toBe('one\ntwo\nthree\n'.length);
    expect(c.written().length).toBe(0);

    c.setWritable(true);
    expect(c.protocol.events).toEqual(['<drain>', 'one', 'two', 'three']);
    expect(c.frames()).toEqual(['echo one', 'echo two', 'echo three']);
    expect(c.connection.isReading).toBe(true);
  });

  it('queues the rest of a read in the dispatcher when a reply fills the buffer mid-read', () => {
    const stall = createTestingApp(AppModule, { overrides: [{ provide: Stall, useValue: { now: () => c.setWritable(false) } }] });
    const c = stall.connect(Staller);
    c.clear();
    c.send('a\nstall\nb\nc\n'); // one read; the reply to 'stall' finds the buffer full
    expect(c.protocol.events).toEqual(['a', 'stall']);
    expect(c.frames()).toEqual(['a', 'stall']);
    c.setWritable(true);
    expect(c.protocol.events).toEqual(['a', 'stall', 'b', 'c']);
    expect(c.frames()).toEqual(['a', 'stall', 'b', 'c']);
    return stall.close();
  });

  it('holds a FIN behind paused input, in order', async () => {
    const c = t.connect(Recorder);
    c.clear();
    c.protocol.conn.pause();
    c.send('x\n');
    c.peerClose();
    expect(c.closed).toBe(false);
    c.protocol.conn.resume(); // called outside the kit (as from a handler): delivery follows in a microtask
    await c.settle();
    expect(c.closed).toBe(true);
    expect(c.frames()).toEqual(['echo x']);
  });

  it('counts memory connections in the application metrics and releases their scopes', () => {
    const a = t.connect(Scoped);
    const b = t.connect(Scoped);
    expect(a.protocol.per).not.toBe(b.protocol.per);
    // Recorder injects nothing per connection but the Connection: built without a child scope.
    t.connect(Recorder);
    expect(t.app.metrics()).toMatchObject({ connections: 3, liveScopes: 2, listeners: 0 });
    a.peerClose();
    expect(t.app.metrics()).toMatchObject({ connections: 2, liveScopes: 1 });
  });

  it('drains open connections on close: @OnClose runs with reason done', async () => {
    const c = t.connect(Recorder);
    c.send('slow z\n');
    await t.close();
    expect(c.frames()).toContain('done z');
    expect(c.protocol.events.at(-1)).toBe('<close done>');
  });
});
