import type { Codec, Decoder } from '../codec/codec';
import { REUSABLE } from '../codec/frame-decoder';

/** Spare decoders a protocol keeps: decoders are lent for one read at a time, so a few suffice. */
const MAX_SPARE = 8;

/** A decoder that may say it holds nothing of its stream (the built-in framing decoders: see FrameDecoder[REUSABLE]). */
type MaybeReusable = Decoder<unknown> & { readonly [REUSABLE]?: boolean };

/**
 * The decoders of one protocol's codec, lent to its connections. A connection holds a decoder
 * only while it holds part of the stream (an unfinished frame, a line being discarded, a
 * failure); between reads that ended on a frame boundary its decoder goes back here, and the
 * next read, on any connection, takes one. An idle connection then costs no decoder (a lines
 * decoder is 120 bytes; the hand-written server keeps a `null` until a line is split), and
 * accepting one allocates none.
 *
 * Only a decoder that says so (`[REUSABLE]`, which the built-in framing decoders answer from
 * their state) is lent on; any other, a codec's own included, stays with its connection for
 * the connection's life, as before.
 */
export class DecoderPool {
  private readonly spare: Decoder<unknown>[] = [];

  constructor(private readonly codec: Codec<unknown, unknown>) {}

  /** A decoder for a connection that holds none: a spare one, else a new one. */
  take(): Decoder<unknown> {
    return this.spare.pop() ?? this.codec.createDecoder();
  }

  /**
   * True when `decoder` holds nothing of its stream and the connection may let it go: it is
   * kept as a spare (or left to the GC beyond MAX_SPARE). False: the connection keeps it.
   */
  give(decoder: Decoder<unknown>): boolean {
    if ((decoder as MaybeReusable)[REUSABLE] !== true) return false;
    if (this.spare.length < MAX_SPARE) this.spare.push(decoder);
    return true;
  }
}
