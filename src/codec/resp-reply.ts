import type { OutputChunks } from './codec';
import { TorsionError } from '../errors';

/** Arrays nested deeper than this are refused: almost certainly a cycle. */
const MAX_DEPTH = 256;
const MIN_INTEGER = -(2n ** 63n);
const MAX_INTEGER = 2n ** 63n - 1n;

function checkLine(kind: string, text: string): void {
  if (typeof text !== 'string' || text.includes('\r') || text.includes('\n')) {
    throw new TorsionError('TORSION_ERR_ENCODE', `RESP ${kind} must be a string without '\\r' or '\\n'; reply with a bulk string (a plain string) instead`);
  }
}

/** A RESP simple string (`+OK\r\n`): short status text, no CR or LF. */
export class RespSimple {
  /** @param value - The status text, written after the `+` (no CR or LF: the constructor throws `TORSION_ERR_ENCODE`). */
  constructor(readonly value: string) {
    checkLine('simple strings', value);
  }
}

/** A RESP error (`-ERR message\r\n`); by convention the first word is the error kind. */
export class RespError {
  /** @param message - The error text, written after the `-`, e.g. `ERR unknown command` (no CR or LF: the constructor throws `TORSION_ERR_ENCODE`). */
  constructor(readonly message: string) {
    checkLine('errors', message);
  }
}

/**
 * The replies the `resp` codec writes, mapped from JS values (RESP2):
 * string or Buffer -> bulk string (`$len`, length in bytes); null -> null bulk (`$-1`);
 * integer number or bigint -> integer (`:n`); array -> array (recursive);
 * RespSimple -> `+text`; RespError -> `-text`.
 */
export type RespReply = string | Uint8Array | number | bigint | null | RespSimple | RespError | readonly RespReply[];

/** `+value\r\n`, e.g. `respSimple('OK')`. */
export function respSimple(value: string): RespSimple {
  return new RespSimple(value);
}

/** `-message\r\n`, e.g. `respError('ERR unknown command')`. */
export function respError(message: string): RespError {
  return new RespError(message);
}

/**
 * Appends the RESP encoding of `value`. With `byteStrings`, strings are latin1 byte strings
 * (their length is their byte count, and the connection writes them as latin1).
 */
export function encodeReply(value: RespReply, out: OutputChunks, byteStrings = false, depth = 0): void {
  if (typeof value === 'string') {
    // One string: V8 joins it lazily (a rope), and it is written in the codec's string encoding.
    out.push(`$${byteStrings ? value.length : Buffer.byteLength(value, 'utf8')}\r\n${value}\r\n`);
  } else if (value instanceof Uint8Array) {
    out.push(`$${value.byteLength}\r\n`, Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength), '\r\n');
  } else if (value === null) {
    out.push('$-1\r\n');
  } else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new TorsionError('TORSION_ERR_ENCODE', `RESP2 integers are whole numbers; ${value} is not (reply with String(n) for a bulk string)`);
    }
    out.push(`:${value}\r\n`);
  } else if (typeof value === 'bigint') {
    if (value < MIN_INTEGER || value > MAX_INTEGER) {
      throw new TorsionError('TORSION_ERR_ENCODE', `RESP integers are signed 64-bit; ${value} does not fit (reply with a string)`);
    }
    out.push(`:${value}\r\n`);
  } else if (value instanceof RespSimple) {
    out.push(`+${value.value}\r\n`);
  } else if (value instanceof RespError) {
    out.push(`-${value.message}\r\n`);
  } else if (Array.isArray(value)) {
    if (depth >= MAX_DEPTH) {
      throw new TorsionError('TORSION_ERR_ENCODE', `RESP reply arrays nest deeper than ${MAX_DEPTH} levels; is the array cyclic?`);
    }
    out.push(`*${value.length}\r\n`);
    for (const item of value as readonly RespReply[]) encodeReply(item, out, byteStrings, depth + 1);
  } else {
    const kind = value === undefined ? 'undefined' : typeof value === 'object' ? 'an object' : typeof value;
    throw new TorsionError('TORSION_ERR_ENCODE', `resp cannot encode ${kind}; reply with a string, Buffer, integer, null, array, respSimple() or respError()`);
  }
}
