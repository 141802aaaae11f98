import { GlobPattern } from '../glob';
import { command, type Command } from './command';

/** DEL key... : how many existed. */
export const del = command('del', -2, ({ store }, args) => {
  let deleted = 0;
  for (let i = 1; i < args.length; i++) if (store.delete(args[i])) deleted++;
  return deleted;
});

/** EXISTS key... : how many exist (a key named twice counts twice). */
export const exists = command('exists', -2, ({ store }, args) => {
  let found = 0;
  for (let i = 1; i < args.length; i++) if (store.has(args[i])) found++;
  return found;
});

/**
 * KEYS pattern: Redis's glob, matched without a RegExp (see glob.ts: a backtracking RegExp
 * let one `KEYS *a*a*a*b` stall the server). As in Redis, the pattern `*` skips matching
 * altogether, which is how it (alone) lists an empty key.
 */
export const keys = command('keys', 2, ({ store }, args) => {
  const pattern = args[1];
  return store.keys(pattern === '*' ? undefined : new GlobPattern(pattern));
});

export const KEY_COMMANDS: readonly Command[] = [del, exists, keys];
