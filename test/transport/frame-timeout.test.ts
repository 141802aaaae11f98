import { Connection, FrameTimeoutError, Module, OnData, OnError, Protocol, lines } from '../../src';
import { createTestingApp, type TestingApp } from '../../src/testing';

@Protocol({ codec: lines(), frameTimeoutMs: 5000 })
class Slow {
  constructor(readonly conn: Connection) {}
  @OnData() got(line: string): string {
    return `got ${line}`;
  }
  @OnError() failed(error: Error): string {
    return `ERR ${error.name}`;
  }
}

@Protocol({ codec: lines() })
class Defaults {
  @OnData() got(): void {}
}

@Protocol()
class Raw {
  @OnData() got(): void {}
}

@Module({ protocols: [Slow, Defaults, Raw] })
class FrameTimeoutModule {}

describe('frame timeout (slowloris)', () => {
  let t: TestingApp;
  beforeEach(() => (t = createTestingApp(FrameTimeoutModule)));
  afterEach(() => t.close());

  it('fails a connection whose frame stays unfinished: @OnError answers, then it closes with reason timeout', async () => {
    const c = t.connect(Slow);
    c.send('GET /never-ending');
    await t.advance(4999);
    expect(c.closed).toBe(false);
    await t.advance(1250); // within one sweep (a quarter of the timeout) after it
    expect(c.frames()).toEqual(['ERR FrameTimeoutError']);
    expect(c.closed).toBe(true);
    expect(c.closeReason?.kind).toBe('timeout');
    expect(c.closeReason?.error).toBeInstanceOf(FrameTimeoutError);
    expect(c.closeReason?.error).toMatchObject({ code: 'TORSION_ERR_FRAME_TIMEOUT', timeoutMs: 5000, bufferedBytes: 17 });
  });

  it('times each frame from when it began: a trickle of bytes of one frame does not reset it', async () => {
    const c = t.connect(Slow);
    c.send('a');
    for (let i = 0; i < 4; i++) {
      await t.advance(1000);
      c.send('b');
    }
    expect(c.closed).toBe(false);
    await t.advance(2250);
    expect(c.closed).toBe(true);
  });

  it('restarts with each new frame: finished frames keep a connection alive', async () => {
    const c = t.connect(Slow);
    c.send('one');
    await t.advance(4000);
    c.send(' done\ntwo'); // frame "one done" finished, "two" begins now
    await t.advance(4000);
    expect(c.closed).toBe(false);
    c.send('\n');
    await t.advance(20_000); // nothing partial: nothing to time
    expect(c.closed).toBe(false);
    expect(c.frames()).toEqual(['got one done', 'got two']);
  });

  it('does not count time while we hold reading paused', async () => {
    const c = t.connect(Slow);
    c.send('partial');
    c.protocol.conn.pause();
    await t.advance(30_000);
    expect(c.closed).toBe(false);
    c.protocol.conn.resume();
    await t.advance(6250);
    expect(c.closeReason?.kind).toBe('timeout');
  });

  it('defaults to 60 s for stream codecs and is off for raw()', async () => {
    const lined = t.connect(Defaults);
    const chunks = t.connect(Raw);
    lined.send('no newline');
    chunks.send('any bytes');
    await t.advance(59_000);
    expect(lined.closed).toBe(false);
    await t.advance(16_000);
    expect(lined.closeReason?.kind).toBe('timeout');
    expect(chunks.closed).toBe(false);
  });

  it('arms nothing while frames arrive whole', async () => {
    const c = t.connect(Slow);
    c.send('a\nb\n');
    expect(t.reactor.pendingTimers).toBe(0);
    c.send('c');
    expect(t.reactor.pendingTimers).toBe(1);
    c.send('\n');
    await t.advance(1250);
    expect(t.reactor.pendingTimers).toBe(0);
  });
});
