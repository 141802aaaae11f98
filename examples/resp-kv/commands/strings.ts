import type { RespReply } from 'torsion';
import type { KeyValueStore } from '../store';
import { setExpireDeadline } from './expire';
import { int64, integerReply, MAX_INT64, MIN_INT64, OK, RedisError, SYNTAX_ERROR } from './replies';

/** SET key value's options (`[NX|XX] [GET] [EX s|PX ms|KEEPTTL]`), in Redis's order of checks. */
export function setWithOptions(store: KeyValueStore, key: string, value: string, options: readonly string[]): RespReply {
  let nx = false;
  let xx = false;
  let get = false;
  let keepTtl = false;
  let unit: 1000n | 1n | undefined; // 1000n after EX, 1n after PX
  let expire: string | undefined;
  for (let i = 0; i < options.length; i++) {
    const option = options[i].toUpperCase();
    const hasNext = i + 1 < options.length;
    if (option === 'NX' && !xx) nx = true;
    else if (option === 'XX' && !nx) xx = true;
    else if (option === 'GET') get = true;
    else if (option === 'KEEPTTL' && unit === undefined) keepTtl = true;
    else if (option === 'EX' && !keepTtl && unit !== 1n && hasNext) {
      unit = 1000n;
      expire = options[++i];
    } else if (option === 'PX' && !keepTtl && unit !== 1000n && hasNext) {
      unit = 1n;
      expire = options[++i];
    } else return SYNTAX_ERROR;
  }
  let deadline: bigint | null = null;
  if (expire !== undefined && unit !== undefined) {
    deadline = setExpireDeadline(int64(expire), unit, store.now());
    if (deadline === null) throw new RedisError("ERR invalid expire time in 'set' command");
  }
  const old = nx || xx || get ? store.get(key) : undefined;
  if ((nx && old !== undefined) || (xx && old === undefined)) return get ? (old ?? null) : null;
  if (keepTtl) store.replace(key, value);
  else store.set(key, value);
  if (deadline !== null) store.expireAt(key, deadline);
  return get ? (old ?? null) : OK;
}

/** INCR, DECR, INCRBY, DECRBY: the value as a signed 64-bit integer, its TTL kept (as in Redis). */
export function incrementBy(store: KeyValueStore, key: string, by: bigint): number | bigint {
  const current = store.get(key);
  const next = (current === undefined ? 0n : int64(current)) + by;
  if (next < MIN_INT64 || next > MAX_INT64) throw new RedisError('ERR increment or decrement would overflow');
  store.replace(key, next.toString());
  return integerReply(next);
}
