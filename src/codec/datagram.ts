import { FrameError, FrameTooLargeError, OptionError, TorsionError } from '../errors';

/**
 * A datagram codec: one datagram is one message, so there is no framing, only a size limit
 * and a decoding. Kept apart from stream codecs (`Codec`), which split a byte stream.
 *
 * `decode` throws for a bad datagram (`FrameError`, or `FrameTooLargeError` past `maxSize`);
 * that error concerns that datagram only: it goes to `@OnError` and the socket goes on.
 * `encode` throws a `TorsionError` for a value it cannot write or one over `maxSize`.
 */
export interface DatagramCodec<D = unknown, R = unknown> {
  /** Always 'datagram': what tells a datagram codec from a stream `Codec` (`isDatagramCodec`). */
  readonly kind: 'datagram';
  /** Short name for logs and errors, e.g. "datagram-json". */
  readonly name: string;
  /** Largest datagram accepted or sent, bytes. */
  readonly maxSize: number;
  /** One received datagram as a message; throws `FrameTooLargeError` past `maxSize`, `FrameError` for bad content. */
  decode(datagram: Buffer): D;
  /** One reply as one datagram; throws a `TorsionError` for a value it cannot write or one over `maxSize`. */
  encode(value: R): Buffer;
}

/** Options of the datagram codecs. */
export interface DatagramCodecOptions {
  /** Largest datagram, bytes: 1 to 65507 (the IPv4 UDP payload limit, also the default). */
  maxSize?: number;
}

/** The largest UDP payload over IPv4 (65535 - 8 bytes of UDP header - 20 of IP header). */
export const MAX_UDP_PAYLOAD = 65_507;

function maxSizeOf(options: DatagramCodecOptions, name: string): number {
  const maxSize = options.maxSize ?? MAX_UDP_PAYLOAD;
  if (!Number.isInteger(maxSize) || maxSize < 1 || maxSize > MAX_UDP_PAYLOAD) {
    throw new OptionError(`${name}({ maxSize }) must be an integer from 1 to ${MAX_UDP_PAYLOAD}, got ${maxSize}`);
  }
  return maxSize;
}

/** True for a datagram codec (as opposed to a stream `Codec`). */
export function isDatagramCodec(value: unknown): value is DatagramCodec {
  return value !== null && typeof value === 'object' && (value as DatagramCodec).kind === 'datagram';
}

abstract class BaseDatagramCodec<D, R> implements DatagramCodec<D, R> {
  readonly kind = 'datagram' as const;
  abstract readonly name: string;
  constructor(readonly maxSize: number) {}

  decode(datagram: Buffer): D {
    if (datagram.length > this.maxSize) throw new FrameTooLargeError(datagram.length, this.maxSize, 'datagram size');
    return this.parse(datagram);
  }

  encode(value: R): Buffer {
    const bytes = this.serialize(value);
    if (bytes.length > this.maxSize) throw new FrameTooLargeError(bytes.length, this.maxSize, 'outgoing datagram size');
    return bytes;
  }

  protected abstract parse(datagram: Buffer): D;
  protected abstract serialize(value: R): Buffer;
}

function toBytes(value: unknown, codec: string): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new TorsionError('TORSION_ERR_ENCODE', `the ${codec} codec sends Buffer, Uint8Array or string, not ${typeof value}`);
}

class RawDatagramCodec extends BaseDatagramCodec<Buffer, Buffer | Uint8Array | string> {
  readonly name = 'datagram-raw';
  protected parse(datagram: Buffer): Buffer {
    return datagram;
  }
  protected serialize(value: Buffer | Uint8Array | string): Buffer {
    return toBytes(value, this.name);
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

class Utf8DatagramCodec extends BaseDatagramCodec<string, string> {
  readonly name = 'datagram-utf8';
  protected parse(datagram: Buffer): string {
    try {
      return strictUtf8.decode(datagram);
    } catch (error) {
      throw new FrameError(`a datagram of ${datagram.length} bytes is not valid UTF-8`, { cause: error });
    }
  }
  protected serialize(value: string): Buffer {
    return toBytes(value, this.name);
  }
}

class JsonDatagramCodec extends BaseDatagramCodec<unknown, unknown> {
  readonly name = 'datagram-json';
  protected parse(datagram: Buffer): unknown {
    let text: string;
    try {
      text = strictUtf8.decode(datagram);
      return JSON.parse(text);
    } catch (error) {
      throw new FrameError(`a datagram of ${datagram.length} bytes is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  protected serialize(value: unknown): Buffer {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (error) {
      throw new TorsionError('TORSION_ERR_ENCODE', `the datagram-json codec cannot encode this value: ${(error as Error).message}`, { cause: error });
    }
    if (text === undefined) throw new TorsionError('TORSION_ERR_ENCODE', `the datagram-json codec cannot encode ${typeof value}`);
    return Buffer.from(text, 'utf8');
  }
}

/** Each datagram as a Buffer; replies may be Buffer, Uint8Array or string. The default. */
export function datagramRaw(options: DatagramCodecOptions = {}): DatagramCodec<Buffer, Buffer | Uint8Array | string> {
  return new RawDatagramCodec(maxSizeOf(options, 'datagramRaw'));
}

/** Each datagram as a string (invalid UTF-8 is an error for that datagram); replies are strings. */
export function datagramUtf8(options: DatagramCodecOptions = {}): DatagramCodec<string, string> {
  return new Utf8DatagramCodec(maxSizeOf(options, 'datagramUtf8'));
}

/** Each datagram as one JSON value; replies are JSON-encoded. */
export function datagramJson(options: DatagramCodecOptions = {}): DatagramCodec<unknown, unknown> {
  return new JsonDatagramCodec(maxSizeOf(options, 'datagramJson'));
}
