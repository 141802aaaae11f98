import type { Codec, Decoder, FrameSink, OutputChunks } from './codec';
import { FrameDecoder, REUSABLE } from './frame-decoder';
import { booleanOption, checkKnownOptions, choiceOption, integerOption, signedIntegerOption } from './options';
import { FrameTooLargeError, OptionError, ProtocolError, TorsionError } from '../errors';

/** Bytes of the length field: the widths Netty's LengthFieldBasedFrameDecoder supports, bar 3. */
export type LengthFieldLength = 1 | 2 | 4 | 8;

/** Netty's LengthFieldBasedFrameDecoder parameters, with the same meaning. */
export interface LengthPrefixedOptions {
  /** Bytes of the length field: 1, 2, 4 (default) or 8; read as an unsigned integer. */
  lengthFieldLength?: LengthFieldLength;
  /** 'be' (default, network order) or 'le'. */
  byteOrder?: 'be' | 'le';
  /** Bytes before the length field (a fixed header, e.g. a type byte). Default 0. */
  lengthFieldOffset?: number;
  /**
   * Added to the field's value to get the bytes that follow the field. Default 0 (the field
   * counts only what follows it); -lengthFieldLength when the field counts itself, too.
   */
  lengthAdjustment?: number;
  /** Bytes cut from the start of each frame. Default lengthFieldOffset + lengthFieldLength (the header). */
  initialBytesToStrip?: number;
  /** Maximum length of a whole frame on the wire, header included. Default 1 MiB. */
  maxLength?: number;
  /**
   * On a declared length over `maxLength`: true (default) fails the connection before any of
   * the payload is buffered; false skips the frame's bytes as they arrive (retaining nothing),
   * then reports a `FrameTooLargeError` to `@OnError` in its place and goes on.
   */
  failFast?: boolean;
}

const KNOWN = ['lengthFieldLength', 'byteOrder', 'lengthFieldOffset', 'lengthAdjustment', 'initialBytesToStrip', 'maxLength', 'failFast'] as const;
const TWO_32 = 2 ** 32;
/** Largest value a field of each width can hold (8 bytes: what a JS number holds exactly). */
const FIELD_MAX: Record<LengthFieldLength, number> = { 1: 0xff, 2: 0xffff, 4: 0xffffffff, 8: Number.MAX_SAFE_INTEGER };

/** The validated options (every one filled in), shared by the codec's decoders and encoder. */
export interface LengthFieldLayout {
  /** Bytes of the length field (default 4). */
  readonly lengthFieldLength: LengthFieldLength;
  /** Byte order of the length field (default 'be'). */
  readonly byteOrder: 'be' | 'le';
  /** Bytes before the length field (default 0). */
  readonly lengthFieldOffset: number;
  /** Added to the field's value to get the bytes that follow the field (default 0). */
  readonly lengthAdjustment: number;
  /** Bytes cut from the start of each decoded frame (default: the header, lengthFieldOffset + lengthFieldLength). */
  readonly initialBytesToStrip: number;
  /** Maximum bytes of a whole frame on the wire, header included (default 1 MiB). */
  readonly maxLength: number;
  /** True (default): a declared length over `maxLength` fails the connection; false: the frame is skipped and reported. */
  readonly failFast: boolean;
}

/** Reads the unsigned length field at `at`. An 8-byte value over 2^53 loses precision, but is over any maxLength anyway. */
function readField(buf: Buffer, at: number, layout: LengthFieldLayout): number {
  const be = layout.byteOrder === 'be';
  switch (layout.lengthFieldLength) {
    case 1:
      return buf[at];
    case 2:
      return be ? buf.readUInt16BE(at) : buf.readUInt16LE(at);
    case 4:
      return be ? buf.readUInt32BE(at) : buf.readUInt32LE(at);
    case 8:
      return be ? buf.readUInt32BE(at) * TWO_32 + buf.readUInt32BE(at + 4) : buf.readUInt32LE(at + 4) * TWO_32 + buf.readUInt32LE(at);
  }
}

function writeField(header: Buffer, value: number, layout: LengthFieldLayout): void {
  const be = layout.byteOrder === 'be';
  switch (layout.lengthFieldLength) {
    case 1:
      header[0] = value;
      return;
    case 2:
      if (be) header.writeUInt16BE(value, 0);
      else header.writeUInt16LE(value, 0);
      return;
    case 4:
      if (be) header.writeUInt32BE(value, 0);
      else header.writeUInt32LE(value, 0);
      return;
    case 8: {
      const high = Math.floor(value / TWO_32);
      const low = value % TWO_32;
      if (be) {
        header.writeUInt32BE(high, 0);
        header.writeUInt32BE(low, 4);
      } else {
        header.writeUInt32LE(low, 0);
        header.writeUInt32LE(high, 4);
      }
    }
  }
}

/**
 * The frame length is read from the header alone and checked against `maxLength` before a
 * single payload byte is buffered; the header is re-read on each call (a few bytes), so a
 * large frame arriving in small chunks costs nothing but the accumulator's appends.
 */
class LengthPrefixedDecoder extends FrameDecoder<Buffer> {
  private readonly endOffset: number;
  /** Bytes of an oversized frame still to skip (failFast: false). */
  private bytesToDiscard = 0;
  private discardedLength = 0;

  constructor(private readonly layout: LengthFieldLayout) {
    super('lengthPrefixed', layout.maxLength);
    this.endOffset = layout.lengthFieldOffset + layout.lengthFieldLength;
  }

  /** @internal Nothing held: no tail, no failure, not skipping an oversized frame. */
  override get [REUSABLE](): boolean {
    return this.holdsNoTail && this.bytesToDiscard === 0;
  }

  protected decodeFrame(buf: Buffer, start: number, sink: FrameSink<Buffer>): number {
    const layout = this.layout;
    const available = buf.length - start;
    if (this.bytesToDiscard > 0) return this.discard(available, sink);
    if (available < this.endOffset) return 0;

    const frameLength = readField(buf, start + layout.lengthFieldOffset, layout) + layout.lengthAdjustment + this.endOffset;
    if (frameLength < this.endOffset) {
      throw new ProtocolError(`lengthPrefixed: adjusted frame length (${frameLength}) is less than the end of the length field (${this.endOffset}); check lengthAdjustment`);
    }
    if (frameLength > layout.maxLength) {
      if (layout.failFast) throw new FrameTooLargeError(frameLength, layout.maxLength);
      this.discardedLength = frameLength;
      this.bytesToDiscard = frameLength;
      return this.discard(available, sink);
    }
    if (frameLength < layout.initialBytesToStrip) {
      throw new ProtocolError(`lengthPrefixed: adjusted frame length (${frameLength}) is less than initialBytesToStrip (${layout.initialBytesToStrip})`);
    }
    if (available < frameLength) return 0;
    sink.frame(buf.subarray(start + layout.initialBytesToStrip, start + frameLength));
    return frameLength;
  }

  private discard(available: number, sink: FrameSink<Buffer>): number {
    const skipped = Math.min(available, this.bytesToDiscard);
    this.bytesToDiscard -= skipped;
    if (this.bytesToDiscard === 0) sink.frameError(new FrameTooLargeError(this.discardedLength, this.layout.maxLength));
    return skipped;
  }
}

/**
 * Frames preceded by their length (Netty's LengthFieldBasedFrameDecoder and
 * LengthFieldPrepender). Frames are Buffers (views of the received bytes).
 *
 * Replies (a Buffer, Uint8Array or UTF-8 string) are written with the length field inserted
 * after their first `lengthFieldOffset` bytes (the reply supplies the fixed header before the
 * field, if any); the field holds the length that makes the decoder read exactly this frame,
 * so `lengthAdjustment` is honoured. With the default `initialBytesToStrip`, decoding an
 * encoded reply yields the reply minus those first `lengthFieldOffset` bytes. A reply whose
 * length does not fit the field, or whose frame would exceed `maxLength`, is refused.
 */
export class LengthPrefixedCodec implements Codec<Buffer, string | Uint8Array> {
  /** {@inheritDoc Codec.name} */
  readonly name = 'lengthPrefixed';
  /** The validated options, defaults filled in; shared (read-only) by every decoder of this codec. */
  readonly layout: LengthFieldLayout;

  constructor(options: LengthPrefixedOptions = {}) {
    const name = 'lengthPrefixed';
    checkKnownOptions(name, options, KNOWN);
    const lengthFieldLength = choiceOption<LengthFieldLength>(name, 'lengthFieldLength', options.lengthFieldLength, 4, [1, 2, 4, 8]);
    const lengthFieldOffset = integerOption(name, 'lengthFieldOffset', options.lengthFieldOffset, 0, 0);
    const endOffset = lengthFieldOffset + lengthFieldLength;
    const maxLength = integerOption(name, 'maxLength', options.maxLength, 1024 * 1024);
    if (maxLength < endOffset) {
      throw new OptionError(`${name}: maxLength (${maxLength}) is smaller than the header (lengthFieldOffset + lengthFieldLength = ${endOffset}); raise maxLength, it counts the whole frame`);
    }
    this.layout = {
      lengthFieldLength,
      byteOrder: choiceOption(name, 'byteOrder', options.byteOrder, 'be', ['be', 'le']),
      lengthFieldOffset,
      lengthAdjustment: signedIntegerOption(name, 'lengthAdjustment', options.lengthAdjustment, 0),
      initialBytesToStrip: integerOption(name, 'initialBytesToStrip', options.initialBytesToStrip, endOffset, 0),
      maxLength,
      failFast: booleanOption(name, 'failFast', options.failFast, true),
    };
  }

  /** Maximum bytes of a whole frame on the wire, header included (`LengthPrefixedOptions.maxLength`, default 1 MiB). */
  get maxLength(): number {
    return this.layout.maxLength;
  }

  /** {@inheritDoc Codec.createDecoder} */
  createDecoder(): Decoder<Buffer> {
    return new LengthPrefixedDecoder(this.layout);
  }

  /**
   * Appends the reply with its length field inserted after the first `lengthFieldOffset` bytes.
   * Throws `TORSION_ERR_ENCODE` for a value that is not a string or bytes, one shorter than that
   * header, or one whose length does not fit the field; `FrameTooLargeError` past `maxLength`.
   */
  encode(value: string | Uint8Array, out: OutputChunks): void {
    const { lengthFieldLength, lengthFieldOffset, lengthAdjustment, maxLength } = this.layout;
    let length: number;
    if (typeof value === 'string') length = Buffer.byteLength(value, 'utf8');
    else if (value instanceof Uint8Array) length = value.byteLength;
    else throw new TorsionError('TORSION_ERR_ENCODE', `lengthPrefixed writes strings or Buffers, not ${value === null ? 'null' : typeof value}; convert the reply first`);
    if (length < lengthFieldOffset) {
      throw new TorsionError('TORSION_ERR_ENCODE', `lengthPrefixed: the reply (${length} bytes) is shorter than the ${lengthFieldOffset}-byte header that precedes the length field; start it with that header`);
    }
    const frameLength = length + lengthFieldLength;
    const field = length - lengthFieldOffset - lengthAdjustment;
    if (field < 0 || field > FIELD_MAX[lengthFieldLength]) {
      throw new TorsionError('TORSION_ERR_ENCODE', `lengthPrefixed: the length field value (${field}) does not fit a ${lengthFieldLength}-byte unsigned field; use a wider lengthFieldLength or a shorter reply`);
    }
    if (frameLength > maxLength) throw new FrameTooLargeError(frameLength, maxLength);
    if (frameLength < this.layout.initialBytesToStrip) {
      throw new TorsionError('TORSION_ERR_ENCODE', `lengthPrefixed: the frame (${frameLength} bytes) would be shorter than initialBytesToStrip (${this.layout.initialBytesToStrip}); the peer could not decode it`);
    }

    const header = Buffer.allocUnsafe(lengthFieldLength);
    writeField(header, field, this.layout);
    if (lengthFieldOffset === 0) {
      out.push(header, typeof value === 'string' || Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      return;
    }
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    out.push(bytes.subarray(0, lengthFieldOffset), header, bytes.subarray(lengthFieldOffset));
  }
}

/** Length-prefixed frames; see `LengthPrefixedOptions` for the defaults (4-byte big-endian length, 1 MiB). */
export function lengthPrefixed(options?: LengthPrefixedOptions): LengthPrefixedCodec {
  return new LengthPrefixedCodec(options);
}
