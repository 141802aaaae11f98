import { Connection, FrameTooLargeError, Listen, Module, OnCommand, OnError, OnUnknownCommand, Protocol, ProtocolError, UseFilters, resp, respError, type RespReply } from 'torsion';
import { expireGeneric, timeToLive } from './commands/expire';
import { int64, MIN_INT64, OK, PONG, RedisError, RedisErrorReply, SYNTAX_ERROR, unknownCommand } from './commands/replies';
import { commandCommand, configCommand } from './commands/server';
import { incrementBy, setWithOptions } from './commands/strings';
import { GlobPattern } from './glob';
import { DEFAULT_KV_OPTIONS, KeyValueStore, KV_OPTIONS } from './store';

export { parseInt64 } from './commands/replies';

/** Arities of `@OnCommand` (the command itself not counted); fewer or more get Redis's `wrong number of arguments`. */
const ONE = { minArgs: 1, maxArgs: 1 };
const TWO = { minArgs: 2, maxArgs: 2 };
const SOME = { minArgs: 1 };

/** Every command routed below (COMMAND COUNT answers how many). */
export const COMMAND_NAMES = ['PING', 'ECHO', 'QUIT', 'GET', 'SET', 'INCR', 'DECR', 'INCRBY', 'DECRBY', 'DEL', 'EXISTS', 'KEYS', 'EXPIRE', 'PEXPIRE', 'TTL', 'PTTL', 'PERSIST', 'DBSIZE', 'FLUSHALL', 'COMMAND', 'CONFIG'];

/**
 * A Redis-compatible key-value server (strings only) on the `resp` codec: enough of Redis for
 * redis-cli, `redis-cli --pipe` and `redis-benchmark -t ping,set,get`.
 *
 * Each command is an `@OnCommand` route: the codec's router (`respCommand()`, the default of
 * `resp()`) takes the request's first element as the command, case-insensitively, and spreads
 * the rest into the method's parameters; `minArgs`/`maxArgs` are Redis's arities, and their
 * default error reply is worded as Redis words it. Routes compile into one Map at bootstrap: a
 * request costs a lookup and one call, no Promise (every command is sync).
 *
 * Error replies: a command returns them, or throws a `RedisError` from wherever it finds one
 * (a helper parsing an integer); the `RedisErrorReply` filter answers it and the connection
 * stays open, as in Redis. Only a request that breaks the protocol itself gets
 * `-ERR Protocol error: ...` and a close (`@OnError`).
 *
 * Binary-safe, like Redis: the codec's `output: 'latin1'` hands over every argument as a byte
 * string (one character per byte, lossless), keys and values are stored as such, and string
 * replies are written back as latin1, byte for byte.
 */
@Listen(6380)
@UseFilters(RedisErrorReply)
@Protocol({ codec: resp({ output: 'latin1' }) })
export class RespKv {
  constructor(
    private readonly store: KeyValueStore,
    private readonly conn: Connection,
  ) {}

  @OnCommand('PING', { maxArgs: 1 }) ping(message?: string): RespReply {
    return message ?? PONG;
  }

  @OnCommand('ECHO', ONE) echo(message: string): string {
    return message;
  }

  /** +OK, then the connection closes; nothing pipelined after it runs. */
  @OnCommand('QUIT') quit(): void {
    this.conn.send(OK);
    this.conn.end();
  }

  @OnCommand('GET', ONE) get(key: string): RespReply {
    return this.store.get(key) ?? null;
  }

  /** SET key value [NX|XX] [GET] [EX s|PX ms|KEEPTTL] */
  @OnCommand('SET', { minArgs: 2 }) set(key: string, value: string, ...options: string[]): RespReply {
    if (options.length > 0) return setWithOptions(this.store, key, value, options);
    this.store.set(key, value);
    return OK;
  }

  @OnCommand('INCR', ONE) incr(key: string): RespReply {
    return incrementBy(this.store, key, 1n);
  }

  @OnCommand('DECR', ONE) decr(key: string): RespReply {
    return incrementBy(this.store, key, -1n);
  }

  @OnCommand('INCRBY', TWO) incrby(key: string, by: string): RespReply {
    return incrementBy(this.store, key, int64(by));
  }

  @OnCommand('DECRBY', TWO) decrby(key: string, by: string): RespReply {
    const amount = int64(by);
    if (amount === MIN_INT64) throw new RedisError('ERR decrement would overflow');
    return incrementBy(this.store, key, -amount);
  }

  /** DEL key...: how many existed. */
  @OnCommand('DEL', SOME) del(...keys: string[]): number {
    return keys.filter((key) => this.store.delete(key)).length;
  }

  /** EXISTS key...: how many exist (a key named twice counts twice). */
  @OnCommand('EXISTS', SOME) exists(...keys: string[]): number {
    return keys.filter((key) => this.store.has(key)).length;
  }

  /**
   * KEYS pattern: Redis's glob, matched without a RegExp (see glob.ts: a backtracking RegExp let
   * one `KEYS *a*a*a*b` stall the server). As in Redis, `*` skips matching altogether, which is
   * how it (alone) lists an empty key.
   */
  @OnCommand('KEYS', ONE) keys(pattern: string): string[] {
    return this.store.keys(pattern === '*' ? undefined : new GlobPattern(pattern));
  }

  @OnCommand('EXPIRE', { minArgs: 2 }) expire(key: string, seconds: string, ...options: string[]): number {
    return expireGeneric(this.store, 'expire', key, seconds, options);
  }

  @OnCommand('PEXPIRE', { minArgs: 2 }) pexpire(key: string, ms: string, ...options: string[]): number {
    return expireGeneric(this.store, 'pexpire', key, ms, options);
  }

  @OnCommand('TTL', ONE) ttl(key: string): RespReply {
    return timeToLive(this.store, key, 1000n);
  }

  @OnCommand('PTTL', ONE) pttl(key: string): RespReply {
    return timeToLive(this.store, key, 1n);
  }

  /** PERSIST key: 1 when a TTL was removed. */
  @OnCommand('PERSIST', ONE) persist(key: string): number {
    return this.store.has(key) && this.store.persist(key) ? 1 : 0;
  }

  @OnCommand('DBSIZE', { maxArgs: 0 }) dbsize(): number {
    return this.store.size;
  }

  /** FLUSHALL [ASYNC|SYNC] */
  @OnCommand('FLUSHALL') flushall(...mode: string[]): RespReply {
    if (mode.length > 1 || (mode.length === 1 && !/^(?:a?sync)$/i.test(mode[0]))) return SYNTAX_ERROR;
    this.store.flush();
    return OK;
  }

  @OnCommand('COMMAND') command(sub?: string, ...rest: string[]): RespReply {
    return commandCommand(COMMAND_NAMES.length, sub, rest);
  }

  @OnCommand('CONFIG', SOME) config(sub: string, ...parameters: string[]): RespReply {
    return configCommand(sub, parameters);
  }

  @OnUnknownCommand() unknown(command: string | undefined, ...args: string[]): RespReply {
    return unknownCommand(command ?? '', args);
  }

  /**
   * The request stream itself is broken (a bad `*`/`$` header, an oversized bulk): Redis answers
   * `-ERR Protocol error: ...` and closes; torsion closes after this reply.
   */
  @OnError() failed(error: Error): RespReply {
    if (error instanceof ProtocolError) return respError(`ERR ${error.message}`);
    if (error instanceof FrameTooLargeError) return respError(`ERR Protocol error: ${error.message}`);
    return respError('ERR internal error');
  }
}

@Module({ protocols: [RespKv], providers: [KeyValueStore, { provide: KV_OPTIONS, useValue: DEFAULT_KV_OPTIONS }] })
export class RespKvModule {}
