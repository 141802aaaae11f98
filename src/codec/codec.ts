/**
 * The Codec contract: turns a connection's byte stream into frames, and reply values into bytes.
 *
 * Ordering: a decoder delivers frames to its sink synchronously, in stream order, from within
 * `decode`. It keeps only the unfinished tail of the stream; the bytes it retains never exceed
 * the codec's maximum frame size plus one read chunk.
 *
 * Errors: when the stream cannot be continued (an oversized frame under fail-fast, a malformed
 * length header) `decode` throws a `TorsionError` (`FrameTooLargeError`, `ProtocolError`); the
 * connection then closes with reason "error" and the decoder is never called again. When only
 * one frame is bad but the stream is intact (a malformed JSON line, a line discarded under
 * `failFast: false`), the decoder calls `sink.frameError(err)` in the frame's place and goes on.
 *
 * Frames may be views (`subarray`) of the chunk passed to `decode`: the chunk is never reused
 * by torsion, so views stay valid, but a decoder must copy what it retains across calls if it
 * mutates it.
 */
export interface FrameSink<F> {
  /** One complete frame, in stream order. */
  frame(frame: F): void;
  /** A frame that could not be decoded; the stream goes on. */
  frameError(error: Error): void;
}

export interface Decoder<F> {
  /** Feeds one chunk; emits every complete frame to `sink`; throws when the stream is broken. */
  decode(chunk: Buffer, sink: FrameSink<F>): void;
  /** Bytes retained for an unfinished frame (for metrics and tests of the memory bound). */
  readonly bufferedBytes: number;
}

/**
 * What `encode` appends to: pieces are written in order, gathered into one socket write.
 * Strings are written in the codec's `stringEncoding` (UTF-8 unless it says otherwise).
 */
export type OutputChunks = Array<Buffer | string>;

export interface Codec<F = unknown, R = unknown> {
  /** Short name for logs and errors, e.g. "lines". */
  readonly name: string;
  /**
   * How the strings this codec appends to `out` become bytes: 'utf8' (the default) or 'latin1'
   * (byte strings, one character per byte, as a binary-safe codec produces them).
   */
  readonly stringEncoding?: 'utf8' | 'latin1';
  /** A fresh decoder for one connection (decoders hold per-connection state). */
  createDecoder(): Decoder<F>;
  /**
   * Appends the bytes of one reply to `out`. Throws a `TorsionError` when the value cannot be
   * encoded (for instance a frame over the maximum); the connection then fails with that error.
   */
  encode(value: R, out: OutputChunks): void;
}

/** The frame type a codec produces. */
export type FrameOf<C> = C extends Codec<infer F, unknown> ? F : never;
/** The reply type a codec accepts. */
export type ReplyOf<C> = C extends Codec<unknown, infer R> ? R : never;
