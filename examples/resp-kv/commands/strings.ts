import { respError, type RespReply } from 'torsion';
import type { KeyValueStore } from '../store';
import { command, type Command } from './command';
import { setExpireDeadline } from './expire';
import { integerReply, MAX_INT64, MIN_INT64, NOT_AN_INTEGER, OK, parseInt64, SYNTAX_ERROR } from './replies';

const OVERFLOW = respError('ERR increment or decrement would overflow');
const SET_EXPIRE_ERROR = respError("ERR invalid expire time in 'set' command");

/** GET key: the value, or a null bulk. */
export const get = command('get', 2, ({ store }, args) => store.get(args[1]) ?? null);

/** SET key value [NX|XX] [GET] [EX s|PX ms|KEEPTTL] */
export const set = command('set', -3, ({ store }, args) => {
  const key = args[1];
  if (args.length === 3) {
    store.set(key, args[2]);
    return OK;
  }
  let nx = false;
  let xx = false;
  let get = false;
  let keepTtl = false;
  let unit: 1000n | 1n | undefined; // 1000n after EX, 1n after PX
  let expire: string | undefined;
  for (let i = 3; i < args.length; i++) {
    const option = args[i].toUpperCase();
    const hasNext = i + 1 < args.length;
    if (option === 'NX' && !xx) nx = true;
    else if (option === 'XX' && !nx) xx = true;
    else if (option === 'GET') get = true;
    else if (option === 'KEEPTTL' && unit === undefined) keepTtl = true;
    else if (option === 'EX' && !keepTtl && unit !== 1n && hasNext) {
      unit = 1000n;
      expire = args[++i];
    } else if (option === 'PX' && !keepTtl && unit !== 1000n && hasNext) {
      unit = 1n;
      expire = args[++i];
    } else return SYNTAX_ERROR;
  }
  let deadline: bigint | undefined;
  if (expire !== undefined && unit !== undefined) {
    const amount = parseInt64(expire);
    if (amount === null) return NOT_AN_INTEGER;
    const at = setExpireDeadline(amount, unit, store.now());
    if (at === null) return SET_EXPIRE_ERROR;
    deadline = at;
  }
  const old = nx || xx || get ? store.get(key) : undefined;
  if ((nx && old !== undefined) || (xx && old === undefined)) return get ? (old ?? null) : null;
  const value = args[2];
  if (keepTtl) store.replace(key, value);
  else store.set(key, value);
  if (deadline !== undefined) store.expireAt(key, deadline);
  return get ? (old ?? null) : OK;
});

/** INCR key */
export const incr = command('incr', 2, ({ store }, args) => incrementBy(store, args[1], 1n));

/** DECR key */
export const decr = command('decr', 2, ({ store }, args) => incrementBy(store, args[1], -1n));

/** INCRBY key increment */
export const incrby = command('incrby', 3, ({ store }, args) => {
  const by = parseInt64(args[2]);
  return by === null ? NOT_AN_INTEGER : incrementBy(store, args[1], by);
});

/** DECRBY key decrement */
export const decrby = command('decrby', 3, ({ store }, args) => {
  const by = parseInt64(args[2]);
  if (by === null) return NOT_AN_INTEGER;
  if (by === MIN_INT64) return respError('ERR decrement would overflow');
  return incrementBy(store, args[1], -by);
});

function incrementBy(store: KeyValueStore, key: string, by: bigint): RespReply {
  const current = store.get(key);
  const value = current === undefined ? 0n : parseInt64(current);
  if (value === null) return NOT_AN_INTEGER;
  const next = value + by;
  if (next < MIN_INT64 || next > MAX_INT64) return OVERFLOW;
  store.replace(key, next.toString()); // INCR keeps the TTL, as in Redis
  return integerReply(next);
}

export const STRING_COMMANDS: readonly Command[] = [get, set, incr, decr, incrby, decrby];
