import type { FrameSink } from '../../src/codec';
import { FrameDecoder } from '../../src/codec';
import { ProtocolError, TorsionError } from '../../src/errors';
import { chunk, feed, RecordingSink } from './feed';

/** The smallest real subclass: frames of a fixed size (Netty's FixedLengthFrameDecoder). */
class FixedLengthDecoder extends FrameDecoder<Buffer> {
  constructor(private readonly size: number) {
    super('fixed', size);
  }

  protected decodeFrame(buf: Buffer, start: number, sink: FrameSink<Buffer>): number {
    if (buf.length - start < this.size) return 0;
    sink.frame(buf.subarray(start, start + this.size));
    return this.size;
  }
}

/** A subclass whose decodeFrame is scripted by the test, to exercise the guards. */
class ScriptedDecoder extends FrameDecoder<string> {
  constructor(private readonly script: (buf: Buffer, start: number, sink: FrameSink<string>) => number) {
    super('scripted', 16);
  }

  protected decodeFrame(buf: Buffer, start: number, sink: FrameSink<string>): number {
    return this.script(buf, start, sink);
  }
}

describe('FrameDecoder', () => {
  test('delivers frames found within a chunk as views of it', () => {
    const input = Buffer.from('abcdef');
    const { sink } = feed(new FixedLengthDecoder(2), [input]);
    expect(sink.frames).toEqual([Buffer.from('ab'), Buffer.from('cd'), Buffer.from('ef')]);
    for (const frame of sink.frames) expect(frame.buffer).toBe(input.buffer);
  });

  test('assembles frames across chunks, for every chunk size', () => {
    const input = Buffer.from('0123456789abcdefghij');
    for (let size = 1; size <= input.length; size++) {
      const decoder = new FixedLengthDecoder(7);
      const { sink } = feed(decoder, chunk(input, [size]));
      expect(Buffer.concat(sink.frames)).toEqual(input.subarray(0, 14));
      expect(decoder.bufferedBytes).toBe(6);
    }
  });

  test('copies the retained tail: the caller may reuse its chunk', () => {
    const decoder = new FixedLengthDecoder(4);
    const sink = new RecordingSink<Buffer>();
    const reused = Buffer.from('ab');
    decoder.decode(reused, sink);
    reused.write('zz');
    decoder.decode(Buffer.from('cd'), sink);
    expect(sink.frames).toEqual([Buffer.from('abcd')]);
  });

  test('frames assembled across chunks stay valid after later chunks', () => {
    const decoder = new FixedLengthDecoder(3);
    const sink = new RecordingSink<Buffer>();
    for (const piece of ['a', 'bcd', 'e', 'fgh', 'ij', 'kl']) decoder.decode(Buffer.from(piece), sink);
    expect(sink.frames.map(String)).toEqual(['abc', 'def', 'ghi', 'jkl']);
  });

  test('refuses a decodeFrame that emits a frame without consuming bytes', () => {
    const decoder = new ScriptedDecoder((_buf, _start, sink) => {
      sink.frame('again');
      return 0;
    });
    expect(() => decoder.decode(Buffer.from('x'), new RecordingSink())).toThrow(TorsionError);
    expect(() => decoder.decode(Buffer.from('x'), new RecordingSink())).toThrow(/emitted a frame without consuming any bytes/);
  });

  test('refuses a decodeFrame that consumes more than it was given, or emits twice', () => {
    const greedy = new ScriptedDecoder((buf, start) => buf.length - start + 1);
    expect(() => greedy.decode(Buffer.from('xy'), new RecordingSink())).toThrow(expect.objectContaining({ code: 'TORSION_ERR_DECODER' }));
    const twice = new ScriptedDecoder((buf, start, sink) => {
      sink.frame('a');
      sink.frame('b');
      return buf.length - start;
    });
    expect(() => twice.decode(Buffer.from('xy'), new RecordingSink())).toThrow(/emitted 2 frames in one call/);
  });

  test('allows consuming bytes without emitting a frame (skipping)', () => {
    const decoder = new ScriptedDecoder((buf, start, sink) => {
      if (buf[start] !== 0x2e) sink.frame(String.fromCharCode(buf[start]));
      return 1;
    });
    expect(feed(decoder, [Buffer.from('a..b.')]).sink.frames).toEqual(['a', 'b']);
  });

  test('after a fatal error, it releases its buffer and rethrows that error', () => {
    const broken = new ProtocolError('bad header');
    const decoder = new ScriptedDecoder((buf) => {
      if (buf.includes('!')) throw broken;
      return 0;
    });
    const sink = new RecordingSink<string>();
    decoder.decode(Buffer.from('abc'), sink);
    expect(decoder.bufferedBytes).toBe(3);
    expect(() => decoder.decode(Buffer.from('!'), sink)).toThrow(broken);
    expect(decoder.failed).toBe(true);
    expect(decoder.bufferedBytes).toBe(0);
    let again: unknown;
    try {
      decoder.decode(Buffer.from('more'), sink);
    } catch (e) {
      again = e;
    }
    expect(again).toBe(broken);
  });

  test('an exception thrown by the sink also fails the decoder', () => {
    const decoder = new FixedLengthDecoder(1);
    const boom = new Error('handler failed');
    const sink = { frame: () => { throw boom; }, frameError: () => {} };
    expect(() => decoder.decode(Buffer.from('ab'), sink)).toThrow(boom);
    expect(() => decoder.decode(Buffer.from('c'), new RecordingSink())).toThrow(boom);
  });

  test('refuses to be re-entered from a frame handler', () => {
    const decoder = new FixedLengthDecoder(1);
    let inner: unknown;
    const sink = {
      frame: () => {
        try {
          decoder.decode(Buffer.from('z'), new RecordingSink());
        } catch (e) {
          inner = e;
        }
      },
      frameError: () => {},
    };
    decoder.decode(Buffer.from('a'), sink);
    expect(inner).toMatchObject({ code: 'TORSION_ERR_DECODER' });
    expect(inner).toHaveProperty('message', expect.stringContaining('called again from inside a frame handler'));
  });
});
