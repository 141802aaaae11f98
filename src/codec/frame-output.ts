import { utf8Text } from './buffer-calls';
import type { FrameSink } from './codec';

/** What a decoder emits for the bytes of one frame: the `output` option of a codec. */
export type FrameOutput = 'buffer' | 'string';

/**
 * Turns the bytes `buf[start..end)` of one frame into the frame delivered to the sink.
 * One instance per codec, shared by its decoders: the per-frame path allocates no closure.
 */
export interface FrameEmitter<F> {
  /** Delivers the frame made of `buf[start..end)` to `sink` (or, for a decoding that fails, a `frameError`). */
  emit(buf: Buffer, start: number, end: number, sink: FrameSink<F>): void;
}

/** Frames are views of the received bytes (no copy). */
export class BufferEmitter implements FrameEmitter<Buffer> {
  /** {@inheritDoc FrameEmitter.emit} */
  emit(buf: Buffer, start: number, end: number, sink: FrameSink<Buffer>): void {
    sink.frame(buf.subarray(start, end));
  }
}

/** Frames are strings decoded straight from the received bytes (no intermediate view). */
export class StringEmitter implements FrameEmitter<string> {
  constructor(readonly encoding: BufferEncoding) {}

  /** {@inheritDoc FrameEmitter.emit} */
  emit(buf: Buffer, start: number, end: number, sink: FrameSink<string>): void {
    sink.frame(buf.toString(this.encoding, start, end));
  }
}

/** UTF-8 strings, sliced without `toString`'s checks (see buffer-calls.ts). */
export class Utf8Emitter implements FrameEmitter<string> {
  /** {@inheritDoc FrameEmitter.emit} */
  emit(buf: Buffer, start: number, end: number, sink: FrameSink<string>): void {
    sink.frame(utf8Text(buf, start, end));
  }
}

/** The shared `BufferEmitter` (emitters hold no state). */
export const bufferEmitter = new BufferEmitter();
/** The shared `Utf8Emitter`. */
export const utf8Emitter = new Utf8Emitter();

/** The emitter for a codec's `output` and `encoding` options. */
export function emitterFor(output: FrameOutput, encoding: BufferEncoding): FrameEmitter<Buffer> | FrameEmitter<string> {
  if (output === 'buffer') return bufferEmitter;
  return encoding === 'utf8' || encoding === 'utf-8' ? utf8Emitter : new StringEmitter(encoding);
}
