import type { KeyValueStore } from '../store';
import { int64, integerReply, MAX_INT64, MIN_INT64, quoted, RedisError } from './replies';

/**
 * Expiry times follow Redis 7.0's rules on overflow exactly: a deadline is a signed 64-bit count
 * of milliseconds of Unix time, computed here with BigInt, and refused where Redis's C
 * arithmetic would overflow (`ERR invalid expire time in '<command>' command`).
 */

/**
 * SET's EX/PX (t_string.c, getExpireMillisecondsOrReply): the deadline for `amount` units,
 * or null when Redis refuses it: a non-positive amount, seconds whose ms overflow, or a sum
 * with `now` that overflows (wraps negative in C).
 */
export function setExpireDeadline(amount: bigint, unit: 1000n | 1n, now: number): bigint | null {
  if (amount <= 0n || (unit === 1000n && amount > MAX_INT64 / 1000n)) return null;
  const at = amount * unit + BigInt(now);
  return at > MAX_INT64 ? null : at;
}

/**
 * EXPIRE/PEXPIRE's deadline (expire.c, expireGenericCommand): any amount, negative included,
 * unless seconds overflow once in ms or the sum with `now` exceeds the signed 64-bit range.
 */
export function expireDeadline(amount: bigint, unit: 1000n | 1n, now: number): bigint | null {
  if (unit === 1000n) {
    if (amount > MAX_INT64 / 1000n || amount < MIN_INT64 / 1000n) return null; // C's division truncates too
    amount *= 1000n;
  }
  const base = BigInt(now);
  return amount > MAX_INT64 - base ? null : amount + base;
}

/** EXPIRE / PEXPIRE key amount [NX|XX|GT|LT], in Redis's order: options, the integer, its overflow, and only then the key. */
export function expireGeneric(store: KeyValueStore, name: 'expire' | 'pexpire', key: string, amount: string, options: readonly string[]): number {
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  for (const given of options) {
    const option = given.toUpperCase();
    if (option === 'NX') nx = true;
    else if (option === 'XX') xx = true;
    else if (option === 'GT') gt = true;
    else if (option === 'LT') lt = true;
    else throw new RedisError(`ERR Unsupported option ${quoted(given)}`);
  }
  if (nx && (xx || gt || lt)) throw new RedisError('ERR NX and XX, GT or LT options at the same time are not compatible');
  if (gt && lt) throw new RedisError('ERR GT and LT options at the same time are not compatible');
  const deadline = expireDeadline(int64(amount), name === 'expire' ? 1000n : 1n, store.now());
  if (deadline === null) throw new RedisError(`ERR invalid expire time in '${name}' command`);
  if (!store.has(key)) return 0;
  const current = store.deadline(key); // undefined: no TTL, an infinite one for GT/LT
  if (nx && current !== undefined) return 0;
  if (xx && current === undefined) return 0;
  if (gt && (current === undefined || deadline <= current)) return 0;
  if (lt && current !== undefined && deadline >= current) return 0;
  store.expireAt(key, deadline); // a deadline already past deletes the key
  return 1;
}

/** TTL (seconds, rounded as Redis rounds) or PTTL (ms) of `key`; -1 without a TTL, -2 for a missing key. */
export function timeToLive(store: KeyValueStore, key: string, unit: 1000n | 1n): number | bigint {
  if (!store.has(key)) return -2;
  const at = store.deadline(key);
  if (at === undefined) return -1;
  const left = BigInt(at) - BigInt(store.now()); // exact: deadlines reach 2^63
  return integerReply(left < 0n ? 0n : unit === 1n ? left : (left + 500n) / 1000n);
}
