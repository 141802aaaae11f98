/**
 * Where a decoder delivers what it decodes: one call per frame, or per frame that could not be
 * decoded, in stream order, synchronously from within `Decoder.decode`.
 */
export interface FrameSink<F> {
  /** One complete frame, in stream order. */
  frame(frame: F): void;
  /** A frame that could not be decoded; the stream goes on. */
  frameError(error: Error): void;
}

/**
 * One connection's decoding state: fed the stream chunk by chunk, it delivers every complete
 * frame to the sink of the current call and keeps only the unfinished tail.
 *
 * Ordering: frames go to the sink passed to `decode`, synchronously, in stream order, before
 * `decode` returns. A framing decoder's frames do not depend on how the stream was cut into
 * chunks (`raw()`, which does no framing, delivers each chunk as it came).
 *
 * Buffering: the bytes retained (`bufferedBytes`) never exceed the codec's maximum frame size
 * plus one read chunk; a declared length is checked against the maximum before its payload
 * is buffered.
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

/**
 * The stream codec contract: turns a connection's byte stream into frames of type `F` (through
 * one `Decoder` per connection), and reply values of type `R` into bytes (`encode`).
 *
 * One codec instance serves many connections: per-connection state lives in its decoders,
 * which never share state with one another. `encode` only appends to the array it is given.
 * `checkCodec` from `torsion/testing` checks all of this, and the `Decoder` contract, for a
 * custom codec.
 */
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
   * Appends the bytes of one reply to `out`, leaving what `out` already holds alone. Throws a
   * `TorsionError` when the value cannot be encoded (for instance a frame over the maximum);
   * the connection then fails with that error.
   */
  encode(value: R, out: OutputChunks): void;
}

/** The frame type a codec produces. */
export type FrameOf<C> = C extends Codec<infer F, unknown> ? F : never;
/** The reply type a codec accepts. */
export type ReplyOf<C> = C extends Codec<unknown, infer R> ? R : never;
