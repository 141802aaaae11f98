import { respError, type RespReply } from 'torsion';
import type { KeyValueStore } from '../store';
import { command, type Command } from './command';
import { integerReply, MAX_INT64, MIN_INT64, NOT_AN_INTEGER, parseInt64, quoted } from './replies';

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

/** EXPIRE key seconds [NX|XX|GT|LT] */
export const expire = command('expire', -3, ({ store }, args) => expireGeneric(store, args, 1000n, 'expire'));

/** PEXPIRE key milliseconds [NX|XX|GT|LT] */
export const pexpire = command('pexpire', -3, ({ store }, args) => expireGeneric(store, args, 1n, 'pexpire'));

/** In Redis's order: options, the integer, its overflow, and only then the key. */
function expireGeneric(store: KeyValueStore, args: string[], unit: 1000n | 1n, name: string): RespReply {
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  for (let i = 3; i < args.length; i++) {
    const option = args[i].toUpperCase();
    if (option === 'NX') nx = true;
    else if (option === 'XX') xx = true;
    else if (option === 'GT') gt = true;
    else if (option === 'LT') lt = true;
    else return respError(`ERR Unsupported option ${quoted(args[i])}`);
  }
  if (nx && (xx || gt || lt)) return respError('ERR NX and XX, GT or LT options at the same time are not compatible');
  if (gt && lt) return respError('ERR GT and LT options at the same time are not compatible');
  const amount = parseInt64(args[2]);
  if (amount === null) return NOT_AN_INTEGER;
  const deadline = expireDeadline(amount, unit, store.now());
  if (deadline === null) return respError(`ERR invalid expire time in '${name}' command`);
  const key = args[1];
  if (!store.has(key)) return 0;
  const current = store.deadline(key); // undefined: no TTL, an infinite one for GT/LT
  if (nx && current !== undefined) return 0;
  if (xx && current === undefined) return 0;
  if (gt && (current === undefined || deadline <= current)) return 0;
  if (lt && current !== undefined && deadline >= current) return 0;
  store.expireAt(key, deadline); // a deadline already past deletes the key
  return 1;
}

/** TTL key: seconds left, rounded as Redis rounds; -1 without a TTL, -2 for a missing key. */
export const ttl = command('ttl', 2, ({ store }, args) => {
  const ms = remaining(store, args[1]);
  return ms < 0n ? Number(ms) : integerReply((ms + 500n) / 1000n);
});

/** PTTL key: milliseconds left; -1 without a TTL, -2 for a missing key. */
export const pttl = command('pttl', 2, ({ store }, args) => integerReply(remaining(store, args[1])));

/** PERSIST key: 1 when a TTL was removed. */
export const persist = command('persist', 2, ({ store }, args) => {
  const key = args[1];
  return store.has(key) && store.persist(key) ? 1 : 0;
});

/** Milliseconds left (exact, deadlines reach 2^63), -1n without a TTL, -2n for a missing key. */
function remaining(store: KeyValueStore, key: string): bigint {
  if (!store.has(key)) return -2n;
  const at = store.deadline(key);
  if (at === undefined) return -1n;
  const left = BigInt(at) - BigInt(store.now());
  return left < 0n ? 0n : left;
}

export const EXPIRE_COMMANDS: readonly Command[] = [expire, pexpire, ttl, pttl, persist];
