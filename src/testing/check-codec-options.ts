/** The options and report of `checkCodec` (see check-codec.ts). */

/** The properties `checkCodec` checks; a `CodecConformanceError` names the one that failed. */
export type CodecProperty =
  /** `encode` only appends Buffers or strings to the output array, leaving what it held alone. */
  | 'encode-appends-only'
  /** What `encode` writes decodes to the expected frames, in order, under every split. */
  | 'round-trip'
  /** Frames go, synchronously, to the sink passed to the current `decode` call. */
  | 'sink-per-call'
  /** `bufferedBytes` counts the bytes fed and not yet delivered as frames, and is 0 between frames. */
  | 'buffered-bytes'
  /** A decoder never retains more than `maxRetained` bytes plus the chunk just fed. */
  | 'retention-bound'
  /** Two decoders of one codec, fed interleaved, do not share state. */
  | 'independent-decoders'
  /** An oversized frame is refused with a FrameTooLargeError before it is buffered whole. */
  | 'max-length-decode'
  /** `encode` refuses a reply over the maximum with a FrameTooLargeError. */
  | 'max-length-encode'
  /** Input that breaks the grammar is reported as a TorsionError. */
  | 'malformed-input'
  /** `encode` refuses a value it cannot write with a TorsionError. */
  | 'invalid-reply'
  /** Arbitrary and mutated input gives frames or TorsionErrors, never another exception. */
  | 'typed-errors'
  /** Unframed codecs (`raw()`): every chunk is one frame, and the frames concatenate to the input. */
  | 'chunk-frames'
  /** A datagram over `maxSize` is refused with a FrameTooLargeError. */
  | 'max-size-decode'
  /** `encode` refuses a value whose datagram would exceed `maxSize` with a FrameTooLargeError. */
  | 'max-size-encode';

/** Bytes as the options give them; strings are UTF-8. */
export type CheckBytes = Uint8Array | string;

/** A split: the sizes of the chunks the input was cut into, in order. */
export type CheckSplit = readonly number[];

/** The options every kind of codec takes: the samples, how to compare, the seed. */
export interface SampleOptions<R> {
  /** Replies that `encode` accepts and that decode back to a frame. At least one. */
  values: readonly R[];
  /** The frame decoded from an encoded value. Default: the value itself. */
  expected?: (value: R) => unknown;
  /** Compares a decoded frame with its expected one. Default: deep equality, bytes compared by content. */
  equals?: (actual: unknown, expected: unknown) => boolean;
  /** Values `encode` must refuse with a TorsionError (the wrong type, unencodable). */
  invalidReplies?: readonly unknown[];
  /** Seed of the generator that picks samples, splits and garbage. Default 1. */
  seed?: number;
  /** Random cases per property. Default 25. */
  runs?: number;
}

/** Options for a stream codec that frames its input (every built-in one but `raw()`). */
export interface FramedCodecCheckOptions<R> extends SampleOptions<R> {
  /** Absent or false: the codec frames its input (see `UnframedCodecCheckOptions` for `raw()`). */
  unframed?: false;
  /**
   * The most a decoder may retain beyond the chunk just fed: the codec's largest frame on the
   * wire (for `lines`, maxLength plus the delimiter, plus 1 for the '\r' of a CRLF).
   */
  maxRetained: number;
  /** How the strings `encode` appends become bytes. Default: the codec's `stringEncoding`, else 'utf8'. */
  encoding?: 'utf8' | 'latin1';
  /** Inputs `encode` does not produce (inline commands, CRLF lines), with the frames they decode to. */
  wires?: ReadonlyArray<{
    /** The bytes fed, whole and under every split. */
    readonly input: CheckBytes;
    /** The frames `input` must decode to, in order (compared with `equals`). */
    readonly frames: readonly unknown[];
  }>;
  /**
   * One complete oversized frame on the wire, more than `maxRetained` + 2 bytes long (so a decoder
   * that buffers it whole breaks the retention bound when it arrives byte by byte).
   */
  oversize?: CheckBytes;
  /** What the codec does with `oversize`: 'throw' a FrameTooLargeError (fail fast, the default), or 'discard' it and report one through `frameError`. */
  overflow?: 'throw' | 'discard';
  /** A reply over the maximum, which `encode` must refuse with a FrameTooLargeError. */
  oversizeReply?: R;
  /** Inputs that break the grammar: decoding each must report a TorsionError (thrown or through `frameError`). */
  malformed?: readonly CheckBytes[];
  /**
   * True (default): `bufferedBytes` is exactly the bytes fed since the end of the last frame, as
   * for every `FrameDecoder`. False: at most that, for a decoder that keeps parsed headers as state.
   */
  exactBufferedBytes?: boolean;
}

/** Options for an unframed stream codec (`raw()`): each chunk is a frame; `expected` gives the bytes a value is written as. */
export interface UnframedCodecCheckOptions<R> extends SampleOptions<R> {
  /** True: the codec is unframed, every chunk read is one frame (checks 'chunk-frames', not the framing properties). */
  unframed: true;
  /** How the strings `encode` appends become bytes. Default: the codec's `stringEncoding`, else 'utf8'. */
  encoding?: 'utf8' | 'latin1';
}

/** Options for a stream codec: framed, or unframed like `raw()`. */
export type StreamCodecCheckOptions<R> = FramedCodecCheckOptions<R> | UnframedCodecCheckOptions<R>;

/** Options for a datagram codec. */
export interface DatagramCodecCheckOptions<R> extends SampleOptions<R> {
  /** A value whose datagram would exceed `maxSize`: `encode` must refuse it with a FrameTooLargeError. */
  oversize?: R;
  /** Datagrams that `decode` must refuse with a FrameError (e.g. invalid UTF-8). */
  malformed?: readonly CheckBytes[];
}

/** What a passing `checkCodec` checked. */
export interface CodecCheckReport {
  /** The codec's `name`. */
  readonly codec: string;
  /** The properties checked. */
  readonly checked: readonly CodecProperty[];
  /** The properties left unchecked because their option was not given (e.g. no `oversize`). */
  readonly skipped: readonly CodecProperty[];
  /** Encode and decode cases run, all properties together. */
  readonly cases: number;
}
