/**
 * The conformance suite every codec runs (hono's habit: one interface, one shared test file).
 * Properties, checked with fast-check over arbitrary frames and arbitrary chunkings (plus one
 * byte at a time and everything in one chunk, as Twisted's tests replay input):
 *   - what `encode` writes decodes to exactly the frames encoded, in order;
 *   - `bufferedBytes` never exceeds the codec's bound plus the chunk just fed;
 *   - an oversized frame fails the stream (fail fast: frames before it delivered, then the
 *     decoder only rethrows), or is replaced by one FrameTooLargeError (discarding mode).
 */
import fc from 'fast-check';
import type { Codec, Decoder, FrameSink, OutputChunks } from '../../src/codec';
import { FrameTooLargeError } from '../../src/errors';

export type SinkEvent<F> = { frame: F } | { error: Error };

/** The test sink: records frames and frame errors in one ordered list. */
export class RecordingSink<F> implements FrameSink<F> {
  readonly events: SinkEvent<F>[] = [];

  get frames(): F[] {
    return this.events.flatMap((e) => ('frame' in e ? [e.frame] : []));
  }

  get errors(): Error[] {
    return this.events.flatMap((e) => ('error' in e ? [e.error] : []));
  }

  frame(frame: F): void {
    this.events.push({ frame });
  }

  frameError(error: Error): void {
    this.events.push({ error });
  }
}

/** Everything `encode` appends for `values`, as one Buffer (strings are UTF-8, like a socket write). */
export function encodeAll<R>(codec: Codec<unknown, R>, values: readonly R[]): Buffer {
  const out: OutputChunks = [];
  for (const value of values) codec.encode(value, out);
  return Buffer.concat(out.map((piece) => (typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece)));
}

/** Cuts `bytes` into chunks whose sizes cycle through `sizes`. */
export function chunk(bytes: Buffer, sizes: readonly number[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length];
    // A copy per chunk, as a socket delivers them: views of one big buffer would hide copying bugs.
    chunks.push(Buffer.from(bytes.subarray(at, at + size)));
    at += size;
  }
  return chunks;
}

export interface FeedResult<F> {
  sink: RecordingSink<F>;
  thrown: unknown;
  /** The largest `bufferedBytes - chunk.length` seen after a decode call. */
  maxRetainedOverChunk: number;
}

/** Feeds the chunks to the decoder until one throws; tracks the retention bound. */
export function feed<F>(decoder: Decoder<F>, chunks: readonly Buffer[]): FeedResult<F> {
  const sink = new RecordingSink<F>();
  let maxRetainedOverChunk = 0;
  for (const piece of chunks) {
    try {
      decoder.decode(piece, sink);
    } catch (thrown) {
      return { sink, thrown, maxRetainedOverChunk };
    }
    maxRetainedOverChunk = Math.max(maxRetainedOverChunk, decoder.bufferedBytes - piece.length);
  }
  return { sink, thrown: undefined, maxRetainedOverChunk };
}

export interface ConformanceSpec<F, R> {
  /** A codec with small limits, so the properties reach them. */
  codec: Codec<F, NoInfer<R>>;
  /** Values that `encode` accepts (within the codec's limits). */
  values: fc.Arbitrary<R>;
  /** The frame a decoder delivers for an encoded value. */
  expected: (value: R) => unknown;
  /** The most a decoder may retain between chunks, beyond the chunk just fed. */
  retainedBound: number;
  /** Bytes of one oversized frame on the wire, complete (so decoding can go on after it). */
  oversize?: fc.Arbitrary<Buffer>;
  /** The same codec in discarding mode (`failFast: false`), when it has one. */
  discarding?: Codec<F, NoInfer<R>>;
}

const chunkSizes = fc.array(fc.integer({ min: 1, max: 24 }), { minLength: 1, maxLength: 6 });
const RUNS = { numRuns: 100 };

function chunkings(bytes: Buffer, sizes: number[]): number[][] {
  return [sizes, [1], [Math.max(1, bytes.length)]];
}

/** Registers the shared conformance tests inside the current `describe`. */
export function conformance<F, R>(spec: ConformanceSpec<F, R>): void {
  describe('conformance', () => {
    test('decodes what it encodes, whatever the chunking, within the retention bound', () => {
      fc.assert(
        fc.property(fc.array(spec.values, { maxLength: 8 }), chunkSizes, (values, sizes) => {
          const wire = encodeAll(spec.codec as Codec<unknown, R>, values);
          for (const cut of chunkings(wire, sizes)) {
            const { sink, thrown, maxRetainedOverChunk } = feed(spec.codec.createDecoder(), chunk(wire, cut));
            expect(thrown).toBeUndefined();
            expect(sink.events).toEqual(values.map((v) => ({ frame: spec.expected(v) })));
            expect(maxRetainedOverChunk).toBeLessThanOrEqual(spec.retainedBound);
          }
        }),
        RUNS,
      );
    });

    test('retains nothing once every frame is complete', () => {
      fc.assert(
        fc.property(fc.array(spec.values, { minLength: 1, maxLength: 4 }), chunkSizes, (values, sizes) => {
          const decoder = spec.codec.createDecoder();
          feed(decoder, chunk(encodeAll(spec.codec as Codec<unknown, R>, values), sizes));
          expect(decoder.bufferedBytes).toBe(0);
        }),
        RUNS,
      );
    });

    const oversize = spec.oversize;
    if (oversize === undefined) return;

    test('fails fast on an oversized frame, after delivering the frames before it', () => {
      fc.assert(
        fc.property(fc.array(spec.values, { maxLength: 4 }), oversize, fc.array(spec.values, { maxLength: 4 }), chunkSizes, (before, big, after, sizes) => {
          const wire = Buffer.concat([encodeAll(spec.codec as Codec<unknown, R>, before), big, encodeAll(spec.codec as Codec<unknown, R>, after)]);
          for (const cut of chunkings(wire, sizes)) {
            const decoder = spec.codec.createDecoder();
            const { sink, thrown, maxRetainedOverChunk } = feed(decoder, chunk(wire, cut));
            expect(thrown).toBeInstanceOf(FrameTooLargeError);
            expect(sink.events).toEqual(before.map((v) => ({ frame: spec.expected(v) })));
            expect(maxRetainedOverChunk).toBeLessThanOrEqual(spec.retainedBound);
            expect(decoder.bufferedBytes).toBe(0);
            expect(() => decoder.decode(Buffer.alloc(1), new RecordingSink<F>())).toThrow(thrown as Error);
          }
        }),
        RUNS,
      );
    });

    const discarding = spec.discarding;
    if (discarding === undefined) return;

    test('discards an oversized frame, reports it in its place, and goes on', () => {
      fc.assert(
        fc.property(fc.array(spec.values, { maxLength: 4 }), oversize, fc.array(spec.values, { maxLength: 4 }), chunkSizes, (before, big, after, sizes) => {
          const wire = Buffer.concat([encodeAll(discarding as Codec<unknown, R>, before), big, encodeAll(discarding as Codec<unknown, R>, after)]);
          let reported: number | undefined;
          for (const cut of chunkings(wire, sizes)) {
            const { sink, thrown, maxRetainedOverChunk } = feed(discarding.createDecoder(), chunk(wire, cut));
            expect(thrown).toBeUndefined();
            const events = sink.events;
            expect(events.slice(0, before.length)).toEqual(before.map((v) => ({ frame: spec.expected(v) })));
            const error = (events[before.length] as { error: Error }).error;
            expect(error).toBeInstanceOf(FrameTooLargeError);
            // The length reported does not depend on the chunking.
            reported ??= (error as FrameTooLargeError).length;
            expect((error as FrameTooLargeError).length).toBe(reported);
            expect(events.slice(before.length + 1)).toEqual(after.map((v) => ({ frame: spec.expected(v) })));
            expect(maxRetainedOverChunk).toBeLessThanOrEqual(spec.retainedBound);
          }
        }),
        RUNS,
      );
    });
  });
}
