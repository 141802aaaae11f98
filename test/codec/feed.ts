/**
 * Helpers for the codec tests that drive a decoder by hand. The contract itself (round trips
 * under every split, the retention bound, oversized frames...) is checked by `checkCodec`
 * from `torsion/testing`, which every codec's test file runs.
 */
import type { Codec, Decoder, FrameSink, OutputChunks } from '../../src/codec';

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
