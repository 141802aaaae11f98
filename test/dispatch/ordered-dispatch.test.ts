import { Module, OnData, OnError, Protocol, jsonLines, lines, FrameTooLargeError } from '../../src';
import { createTestingApp } from '../../src/testing';

/** Replies after `release()` is called: a handler stuck on slow I/O. */
class Gate {
  private waiting: Array<() => void> = [];
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  releaseAll(): void {
    const w = this.waiting;
    this.waiting = [];
    for (const r of w) r();
  }
  get pending(): number {
    return this.waiting.length;
  }
}
const gate = new Gate();
const seen: string[] = [];

@Protocol({ codec: lines(), maxQueuedFrames: 8, resumeQueuedFrames: 2 })
class Slow {
  @OnData() async d(line: string): Promise<string> {
    seen.push(line);
    if (line.startsWith('slow')) await gate.wait();
    return `ok ${line}`;
  }
}

@Protocol({ codec: jsonLines<{ n: number }>() })
class Json {
  @OnData() d(msg: { n: number }): { twice: number } {
    return { twice: msg.n * 2 };
  }
  @OnError() bad(error: Error): { error: string } {
    return { error: error.name };
  }
}

@Protocol({ codec: lines({ maxLength: 16, failFast: false }) })
class Lenient {
  @OnData() d(line: string): string {
    return `got ${line}`;
  }
  @OnError() bad(error: Error): string {
    return error instanceof FrameTooLargeError ? `too long (${error.length} > ${error.maxLength})` : 'other';
  }
}

@Module({ protocols: [Slow, Json, Lenient] })
class M {}

describe('ordered dispatch', () => {
  it('holds frames behind an async handler, replies in order, and stops reading past the high-water mark', async () => {
    const t = createTestingApp(M);
    const c = t.connect(Slow);
    c.send('slow 0\n' + Array.from({ length: 11 }, (_, i) => `fast ${i + 1}\n`).join(''));
    await c.settle().catch(() => undefined); // the gate holds the first handler: not settled
    expect(seen).toEqual(['slow 0']); // the rest wait, in order
    expect(c.connection.queuedFrames).toBe(11);
    expect(c.connection.isReading).toBe(false); // 11 queued >= maxQueuedFrames 8
    c.send('fast 12\n'); // held by the transport, not decoded
    expect(c.connection.queuedFrames).toBe(11);
    gate.releaseAll();
    await c.settle();
    expect(c.connection.isReading).toBe(true);
    expect(c.frames()).toEqual(['ok slow 0', ...Array.from({ length: 12 }, (_, i) => `ok fast ${i + 1}`)]);
    await t.close();
  });

  it('answers a malformed JSON line through @OnError in its place and goes on', async () => {
    const t = createTestingApp(M);
    const c = t.connect(Json);
    c.send('{"n":1}\n{oops\n{"n":3}\n', { split: 1 });
    expect(c.frames()).toEqual([{ twice: 2 }, { error: 'FrameError' }, { twice: 6 }]);
    expect(c.closed).toBe(false);
    await t.close();
  });

  it('discards an overlong line under failFast: false and keeps the connection', async () => {
    const t = createTestingApp(M);
    const c = t.connect(Lenient);
    c.send(`short\n${'x'.repeat(100)}\nafter\n`, { split: 7 });
    expect(c.frames(lines())).toEqual(['got short', 'too long (100 > 16)', 'got after']);
    expect(c.closed).toBe(false);
    await t.close();
  });

  it('closes with reason "error" on an overlong line under fail-fast, after @OnError replies', async () => {
    @Protocol({ codec: lines({ maxLength: 16 }) })
    class Strict {
      @OnData() d(line: string): string {
        return line;
      }
      @OnError() bad(error: Error): string {
        return `ERR ${error.message}`;
      }
    }
    @Module({ protocols: [Strict] })
    class S {}
    const t = createTestingApp(S);
    const c = t.connect(Strict);
    c.send(`ok\n${'y'.repeat(40)}\nnever\n`);
    expect(c.frames(lines())).toEqual(['ok', expect.stringMatching(/^ERR .*exceeds the allowed maximum \(16\)$/)]);
    expect(c.closeReason?.kind).toBe('error');
    expect(c.closeReason?.error).toBeInstanceOf(FrameTooLargeError);
    await t.close();
  });
});

describe('failures while a handler is in flight', () => {
  it('writes the in-flight reply first, then @OnError answers a codec error that came after it', async () => {
    let release: (() => void) | undefined;
    @Protocol({ codec: lines({ maxLength: 16 }) })
    class Pending {
      @OnData() async d(line: string): Promise<string> {
        await new Promise<void>((resolve) => (release = resolve));
        return `ok ${line}`;
      }
      @OnError() async bad(error: Error): Promise<string> {
        return `ERR ${error.name}`;
      }
    }
    @Module({ protocols: [Pending] })
    class P {}
    const t = createTestingApp(P);
    const c = t.connect(Pending);
    c.send(`slow\n${'z'.repeat(40)}\n`);
    await c.settle().catch(() => undefined); // held by the pending handler
    expect(c.closed).toBe(false);
    release?.();
    await c.settle();
    expect(c.frames(lines())).toEqual(['ok slow', 'ERR FrameTooLargeError']);
    expect(c.closeReason?.kind).toBe('error');
    expect(c.connection.droppedWrites).toBe(0);
    await t.close();
  });
});
