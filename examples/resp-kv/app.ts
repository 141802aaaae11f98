import { Connection, FrameTooLargeError, Listen, Module, OnData, OnError, Protocol, ProtocolError, resp, respError, type RespReply } from 'torsion';
import { COMMANDS, type CommandTable, type Session } from './commands';
import { unknownCommand } from './commands/replies';
import { DEFAULT_KV_OPTIONS, KeyValueStore, KV_OPTIONS } from './store';

export { parseInt64 } from './commands';

/**
 * A Redis-compatible key-value server (strings only) on the `resp` codec: enough of Redis for
 * redis-cli, `redis-cli --pipe` and `redis-benchmark -t ping,set,get`.
 *
 *   PING [msg]  ECHO msg  SET key value [NX|XX] [GET] [EX s|PX ms|KEEPTTL]  GET key
 *   DEL key...  EXISTS key...  INCR/DECR key  INCRBY/DECRBY key n  EXPIRE/PEXPIRE key n [NX|XX|GT|LT]
 *   TTL/PTTL key  PERSIST key  KEYS pattern  DBSIZE  FLUSHALL [ASYNC|SYNC]  QUIT
 *   COMMAND [COUNT|DOCS]  CONFIG GET pattern...
 *
 * This file is the protocol glue; the commands are in commands/, one file per family
 * (connection, server, strings, keys, expire), each command's table entry beside its function.
 *
 * Binary-safe, like Redis: the codec's `output: 'latin1'` hands over every argument as a byte
 * string (one character per byte, lossless), keys and values are stored as such, and string
 * replies are written back as latin1, byte for byte. Byte strings are cheaper than Buffers here:
 * one slice per argument, and a batch of replies joins into one string written once.
 *
 * Errors are worded as Redis 7.0 words them, and the connection stays open after them; only a
 * request that breaks the protocol itself gets `-ERR Protocol error: ...` and a close, as in Redis.
 *
 * Dispatch: one Map from the upper-cased command name to its command and arity, built once at
 * load; a request costs a Map lookup and a direct call, no closure, no Promise (every command
 * is sync).
 */
@Listen(6380)
@Protocol({ codec: resp({ output: 'latin1' }) })
export class RespKv implements Session {
  constructor(
    readonly store: KeyValueStore,
    readonly conn: Connection,
  ) {}

  /** The command table (COMMAND COUNT reads it). */
  get commands(): CommandTable {
    return COMMANDS;
  }

  @OnData()
  command(args: string[]): RespReply | undefined {
    const name = args[0];
    const spec = COMMANDS.get(name) ?? COMMANDS.get(name.toUpperCase());
    if (spec === undefined) return unknownCommand(args);
    const argc = args.length;
    if (spec.arity > 0 ? argc !== spec.arity : argc < -spec.arity) return spec.arityError;
    return spec.run(this, args);
  }

  /**
   * The request stream itself is broken (a bad `*`/`$` header, an oversized bulk): Redis answers
   * `-ERR Protocol error: ...` and closes; torsion closes after this reply.
   */
  @OnError()
  failed(error: Error): RespReply {
    if (error instanceof ProtocolError) return respError(`ERR ${error.message}`);
    if (error instanceof FrameTooLargeError) return respError(`ERR Protocol error: ${error.message}`);
    return respError('ERR internal error');
  }
}

@Module({ protocols: [RespKv], providers: [KeyValueStore, { provide: KV_OPTIONS, useValue: DEFAULT_KV_OPTIONS }] })
export class RespKvModule {}
