import type { Codec, Decoder, FrameSink, OutputChunks } from './codec';
import { TorsionError } from '../errors';

/** Bytes as they arrive: every chunk is one frame, nothing is retained. */
class RawDecoder implements Decoder<Buffer> {
  readonly bufferedBytes = 0;

  decode(chunk: Buffer, sink: FrameSink<Buffer>): void {
    sink.frame(chunk);
  }
}

const rawDecoder = new RawDecoder(); // stateless, so one serves every connection

/**
 * No framing: every chunk read from the socket is one frame. Replies (Buffer, Uint8Array or a
 * UTF-8 string) are written as they are. The default codec of `@Protocol()`.
 */
export class RawCodec implements Codec<Buffer, Buffer | Uint8Array | string> {
  /** {@inheritDoc Codec.name} */
  readonly name = 'raw';

  /** The one shared decoder: it retains nothing, so every connection can use it. */
  createDecoder(): Decoder<Buffer> {
    return rawDecoder;
  }

  /** Appends the value as it is (strings as UTF-8); throws `TORSION_ERR_ENCODE` for anything else. */
  encode(value: Buffer | Uint8Array | string, out: OutputChunks): void {
    if (typeof value === 'string' || Buffer.isBuffer(value)) out.push(value);
    else if (value instanceof Uint8Array) out.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    else throw new TorsionError('TORSION_ERR_ENCODE', `the raw codec writes Buffer, Uint8Array or string, not ${typeof value}`);
  }
}

/** No framing: `@OnData` receives each chunk as read from the socket. */
export function raw(): RawCodec {
  return new RawCodec();
}
