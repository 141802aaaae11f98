import type { Codec, Decoder, FrameSink, OutputChunks } from './codec';
import { FrameDecoder, REUSABLE } from './frame-decoder';
import { emitterFor, type FrameEmitter, type FrameOutput } from './frame-output';
import { checkKnownOptions, choiceOption, integerOption } from './options';
import { FrameTooLargeError, ProtocolError, TorsionError } from '../errors';

/** Options of `netstring()`; every one has a default. */
export interface NetstringOptions {
  /** Maximum payload bytes of one netstring (the `<len>` part). Default 1 MiB. */
  maxLength?: number;
  /** 'buffer' (default): payloads are Buffers; 'string': UTF-8 strings. */
  output?: FrameOutput;
}

const KNOWN = ['maxLength', 'output'] as const;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const COMMA = 0x2c;

function show(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? `'${String.fromCharCode(byte)}'` : `byte 0x${byte.toString(16).padStart(2, '0')}`;
}

/**
 * `<len>:<bytes>,` as djb specified it: `len` is decimal ASCII without leading zeros ("0:," is
 * the empty string, "01:x," is invalid). The length is checked against `maxLength` digit by
 * digit, so an oversized declaration fails before its payload (or even its ':') arrives, and
 * the retained header never exceeds the digits of `maxLength`. Every violation is fatal
 * (there is no overflow discarding: without a trustworthy length the stream cannot resync).
 */
class NetstringDecoder<F> extends FrameDecoder<F> {
  constructor(
    private readonly maxLength: number,
    private readonly emitter: FrameEmitter<F>,
  ) {
    super('netstring', maxLength + String(maxLength).length + 2);
  }

  /** @internal Nothing held: no tail, no failure (a netstring decoder keeps no other state). */
  override get [REUSABLE](): boolean {
    return this.holdsNoTail;
  }

  protected decodeFrame(buf: Buffer, start: number, sink: FrameSink<F>): number {
    const end = buf.length;
    let length = 0;
    let i = start;
    for (; i < end; i++) {
      const byte = buf[i];
      if (byte === COLON) break;
      if (byte < ZERO || byte > NINE) {
        throw new ProtocolError(`netstring: expected ${i === start ? 'a length digit' : "a length digit or ':'"}, got ${show(byte)}`);
      }
      if (i > start && length === 0) throw new ProtocolError('netstring: the length has a leading zero, which netstrings forbid');
      length = length * 10 + (byte - ZERO);
      if (length > this.maxLength) throw new FrameTooLargeError(length, this.maxLength, 'netstring length');
    }
    if (i === end) return 0;
    if (i === start) throw new ProtocolError("netstring: the length is missing before ':'");

    const payloadStart = i + 1;
    const payloadEnd = payloadStart + length;
    if (payloadEnd >= end) return 0;
    if (buf[payloadEnd] !== COMMA) {
      throw new ProtocolError(`netstring: expected ',' after the ${length}-byte payload, got ${show(buf[payloadEnd])}`);
    }
    this.emitter.emit(buf, payloadStart, payloadEnd, sink);
    return payloadEnd + 1 - start;
  }
}

/** Netstrings (Twisted's NetstringReceiver). Replies are strings (UTF-8) or Buffers. */
export class NetstringCodec<F extends Buffer | string = Buffer> implements Codec<F, string | Uint8Array> {
  /** {@inheritDoc Codec.name} */
  readonly name = 'netstring';
  /**
   * Maximum payload bytes, received or sent (`NetstringOptions.maxLength`, default 1 MiB); the declared length is checked digit by digit, before any payload is buffered.
   */
  readonly maxLength: number;
  private readonly emitter: FrameEmitter<F>;

  constructor(options: NetstringOptions = {}) {
    checkKnownOptions('netstring', options, KNOWN);
    this.maxLength = integerOption('netstring', 'maxLength', options.maxLength, 1024 * 1024);
    const output = choiceOption<FrameOutput>('netstring', 'output', options.output, 'buffer', ['buffer', 'string']);
    this.emitter = emitterFor(output, 'utf8') as FrameEmitter<F>;
  }

  /** {@inheritDoc Codec.createDecoder} */
  createDecoder(): Decoder<F> {
    return new NetstringDecoder<F>(this.maxLength, this.emitter);
  }

  /** Writes `<len>:`, the value and `,` as three pieces; refuses a value over `maxLength` bytes. */
  encode(value: string | Uint8Array, out: OutputChunks): void {
    let length: number;
    let piece: string | Buffer;
    if (typeof value === 'string') {
      length = Buffer.byteLength(value, 'utf8');
      piece = value;
    } else if (value instanceof Uint8Array) {
      length = value.byteLength;
      piece = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    } else {
      throw new TorsionError('TORSION_ERR_ENCODE', `netstring writes strings or Buffers, not ${value === null ? 'null' : typeof value}; convert the reply first`);
    }
    if (length > this.maxLength) throw new FrameTooLargeError(length, this.maxLength, 'netstring length');
    out.push(`${length}:`, piece, ',');
  }
}

/** Netstrings; see `NetstringOptions` for the defaults (1 MiB, Buffers). */
export function netstring(options?: NetstringOptions & { output?: 'buffer' }): NetstringCodec<Buffer>;
/** Netstrings whose payloads are UTF-8 strings. */
export function netstring(options: NetstringOptions & { output: 'string' }): NetstringCodec<string>;
/** Payloads as Buffers or strings, when `output` is not known statically. */
export function netstring(options?: NetstringOptions): NetstringCodec<Buffer> | NetstringCodec<string>;
export function netstring(options?: NetstringOptions): NetstringCodec<Buffer> | NetstringCodec<string> {
  return new NetstringCodec(options);
}
