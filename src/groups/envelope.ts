import { randomBytes } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { ProtocolError, TorsionError, describe } from '../errors';

/**
 * The bytes a broadcast travels in between processes: a version byte, the publishing `Groups`'
 * 16-byte origin id (so it can drop its own messages when the adapter echoes them back) and the
 * value in the structured-clone format of `node:v8` (strings, numbers, plain objects, arrays,
 * Buffers, Maps, Dates... without a schema, and Buffers stay Buffers, which JSON would not do).
 */
const VERSION = 1;
/** Length of an origin id. */
export const ORIGIN_LENGTH = 16;
const HEADER = 1 + ORIGIN_LENGTH;

/** A fresh random origin id: one per `Groups` (per application), unique across processes. */
export function newOrigin(): Buffer {
  return randomBytes(ORIGIN_LENGTH);
}

/** `value` in an envelope from `origin`; a value that cannot be cloned is a `TORSION_ERR_ENCODE` error. */
export function seal(origin: Buffer, value: unknown): Buffer {
  let body: Buffer;
  try {
    body = serialize(value);
  } catch (error) {
    throw new TorsionError('TORSION_ERR_ENCODE', `a group broadcast must be a structured-cloneable value (strings, numbers, plain objects, arrays, Buffers...) to reach other processes: ${describe(error)}`, { cause: error });
  }
  const out = Buffer.allocUnsafe(HEADER + body.length);
  out[0] = VERSION;
  origin.copy(out, 1);
  body.copy(out, HEADER);
  return out;
}

/** True when `payload` was sealed by `origin` (checked before anything is deserialised). */
export function sealedBy(payload: Buffer, origin: Buffer): boolean {
  return payload.length >= HEADER && origin.equals(payload.subarray(1, HEADER));
}

/** The value in `payload`; a `ProtocolError` for anything else (another version, garbage). */
export function open(payload: Buffer): unknown {
  if (payload.length <= HEADER || payload[0] !== VERSION) {
    throw new ProtocolError(`not a torsion group message (version ${payload[0] ?? 'none'}, ${payload.length} bytes)`);
  }
  try {
    return deserialize(payload.subarray(HEADER));
  } catch (error) {
    throw new ProtocolError(`a group message could not be decoded: ${describe(error)}`, { cause: error });
  }
}
