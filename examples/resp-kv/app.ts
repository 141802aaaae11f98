import { Connection, FrameTooLargeError, Listen, Module, OnData, OnError, Protocol, ProtocolError, resp, respError, respSimple, type RespReply } from 'torsion';
import { globToRegExp } from './glob';
import { DEFAULT_KV_OPTIONS, KeyValueStore, KV_OPTIONS } from './store';

/**
 * A Redis-compatible key-value server (strings only) on the `resp` codec: enough of Redis for
 * redis-cli, `redis-cli --pipe` and `redis-benchmark -t ping,set,get`.
 *
 *   PING [msg]  ECHO msg  SET key value [NX|XX] [GET] [EX s|PX ms|KEEPTTL]  GET key
 *   DEL key...  EXISTS key...  INCR/DECR key  INCRBY/DECRBY key n  EXPIRE/PEXPIRE key n [NX|XX|GT|LT]
 *   TTL/PTTL key  PERSIST key  KEYS pattern  DBSIZE  FLUSHALL [ASYNC|SYNC]  QUIT
 *   COMMAND [COUNT|DOCS]  CONFIG GET pattern...
 *
 * Binary-safe, like Redis: the codec's `output: 'latin1'` hands over every argument as a byte
 * string (one character per byte, lossless), keys and values are stored as such, and string
 * replies are written back as latin1, byte for byte. Byte strings are cheaper than Buffers here:
 * one slice per argument, and a batch of replies joins into one string written once.
 *
 * Errors are worded as Redis 7.0 words them, and the connection stays open after them; only a
 * request that breaks the protocol itself gets `-ERR Protocol error: ...` and a close, as in Redis.
 *
 * Dispatch: one Map from the upper-cased command name to a method of the protocol and its
 * arity, built once at load; a request costs a Map lookup and a direct call, no closure, no
 * Promise (every handler is sync).
 */

type Command = (this: RespKv, args: string[]) => RespReply | undefined;

interface CommandSpec {
  /** Lower-case, as Redis names it in errors. */
  readonly name: string;
  /** Redis's convention: n > 0 exactly n arguments (the name included), n < 0 at least -n. */
  readonly arity: number;
  readonly run: Command;
  readonly arityError: RespReply;
}

const OK = respSimple('OK');
const PONG = respSimple('PONG');
const SYNTAX_ERROR = respError('ERR syntax error');
const NOT_AN_INTEGER = respError('ERR value is not an integer or out of range');
const OVERFLOW = respError('ERR increment or decrement would overflow');
const NO_ARRAY: readonly RespReply[] = Object.freeze([]);
const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;
/** Expiry deadlines beyond this many ms are refused as Redis refuses an overflowing one. */
const MAX_EXPIRE_MS = 2 ** 52;

/** What CONFIG GET reports (redis-benchmark asks for `save` and `appendonly` on start). */
const CONFIG: ReadonlyArray<readonly [string, string]> = [
  ['save', ''],
  ['appendonly', 'no'],
  ['databases', '1'],
  ['maxmemory', '0'],
];

const STRICT_INTEGER = /^(?:0|-?[1-9][0-9]{0,19})$/;

/** Redis's string2ll: optional '-', no '+', no spaces, no leading zeros, signed 64-bit; null otherwise. */
export function parseInt64(arg: string | Buffer): bigint | null {
  if (typeof arg !== 'string') arg = arg.toString('latin1');
  if (!STRICT_INTEGER.test(arg)) return null;
  const value = BigInt(arg);
  return value < MIN_INT64 || value > MAX_INT64 ? null : value;
}

function integerReply(value: bigint): number | bigint {
  return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
}

/** `ERR unknown command 'x', with args beginning with: 'a' 'b' ` (Redis 7.0's commandCheckExistence). */
function unknownCommand(args: string[]): RespReply {
  let quoted = '';
  for (let i = 1; i < args.length && quoted.length < 128; i++) quoted += `'${cString(args[i], 128 - quoted.length)}' `;
  return respError(`ERR unknown command '${cString(args[0], 128)}', with args beginning with: ${quoted}`.replace(/[\r\n]/g, ' '));
}

/** Like C's `%.*s`: up to the first NUL, at most `max` characters. */
function cString(arg: string, max: number): string {
  const nul = arg.indexOf('\0');
  return (nul === -1 ? arg : arg.slice(0, nul)).slice(0, max);
}

function expireTimeError(command: string): RespReply {
  return respError(`ERR invalid expire time in '${command}' command`);
}

function unknownSubcommand(sub: string, container: string): RespReply {
  return respError(`ERR unknown subcommand '${cString(sub, 128).replace(/[\r\n]/g, ' ')}'. Try ${container} HELP.`);
}

@Listen(6380)
@Protocol({ codec: resp({ output: 'latin1' }) })
export class RespKv {
  constructor(
    private readonly store: KeyValueStore,
    private readonly conn: Connection,
  ) {}

  @OnData()
  command(args: string[]): RespReply | undefined {
    const name = args[0];
    const spec = COMMANDS.get(name) ?? COMMANDS.get(name.toUpperCase());
    if (spec === undefined) return unknownCommand(args);
    const argc = args.length;
    if (spec.arity > 0 ? argc !== spec.arity : argc < -spec.arity) return spec.arityError;
    return spec.run.call(this, args);
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

  // --- connection ----------------------------------------------------------------------------

  ping(args: string[]): RespReply {
    if (args.length > 2) return (COMMANDS.get('PING') as CommandSpec).arityError;
    return args.length === 1 ? PONG : args[1];
  }

  echo(args: string[]): RespReply {
    return args[1];
  }

  quit(): undefined {
    this.conn.send(OK);
    this.conn.end();
    return undefined;
  }

  /** redis-cli asks for `COMMAND DOCS` (interactive hints); an empty answer is accepted. */
  commandInfo(args: string[]): RespReply {
    if (args.length === 1) return NO_ARRAY;
    const sub = args[1].toUpperCase();
    if (sub === 'COUNT' && args.length === 2) return COMMANDS.size;
    if (sub === 'DOCS' || sub === 'INFO') return NO_ARRAY;
    return unknownSubcommand(args[1], 'COMMAND');
  }

  config(args: string[]): RespReply {
    if (args[1].toUpperCase() !== 'GET') return unknownSubcommand(args[1], 'CONFIG');
    if (args.length < 3) return respError("ERR wrong number of arguments for 'config|get' command");
    const reply: string[] = [];
    for (const [name, value] of CONFIG) {
      for (let i = 2; i < args.length; i++) {
        if (globToRegExp(args[i].toLowerCase()).test(name)) {
          reply.push(name, value);
          break;
        }
      }
    }
    return reply;
  }

  // --- strings -------------------------------------------------------------------------------

  get(args: string[]): RespReply {
    return this.store.get(args[1]) ?? null;
  }

  set(args: string[]): RespReply {
    const key = args[1];
    if (args.length === 3) {
      this.store.set(key, args[2]);
      return OK;
    }
    let nx = false;
    let xx = false;
    let get = false;
    let keepTtl = false;
    let unit = 0; // 1000 after EX, 1 after PX
    let expire: string | undefined;
    for (let i = 3; i < args.length; i++) {
      const option = args[i].toUpperCase();
      const hasNext = i + 1 < args.length;
      if (option === 'NX' && !xx) nx = true;
      else if (option === 'XX' && !nx) xx = true;
      else if (option === 'GET') get = true;
      else if (option === 'KEEPTTL' && unit === 0) keepTtl = true;
      else if (option === 'EX' && !keepTtl && unit !== 1 && hasNext) {
        unit = 1000;
        expire = args[++i];
      } else if (option === 'PX' && !keepTtl && unit !== 1000 && hasNext) {
        unit = 1;
        expire = args[++i];
      } else return SYNTAX_ERROR;
    }
    let deadline: number | undefined;
    if (expire !== undefined) {
      const amount = parseInt64(expire);
      if (amount === null) return NOT_AN_INTEGER;
      const ms = Number(amount) * unit;
      if (amount <= 0n || ms > MAX_EXPIRE_MS) return expireTimeError('set');
      deadline = this.store.now() + ms;
    }
    const old = nx || xx || get ? this.store.get(key) : undefined;
    if ((nx && old !== undefined) || (xx && old === undefined)) return get ? (old ?? null) : null;
    const value = args[2];
    if (keepTtl) this.store.replace(key, value);
    else this.store.set(key, value);
    if (deadline !== undefined) this.store.expireAt(key, deadline);
    return get ? (old ?? null) : OK;
  }

  incr(args: string[]): RespReply {
    return this.incrementBy(args[1], 1n);
  }

  decr(args: string[]): RespReply {
    return this.incrementBy(args[1], -1n);
  }

  incrby(args: string[]): RespReply {
    const by = parseInt64(args[2]);
    return by === null ? NOT_AN_INTEGER : this.incrementBy(args[1], by);
  }

  decrby(args: string[]): RespReply {
    const by = parseInt64(args[2]);
    if (by === null) return NOT_AN_INTEGER;
    if (by === MIN_INT64) return respError('ERR decrement would overflow');
    return this.incrementBy(args[1], -by);
  }

  private incrementBy(key: string, by: bigint): RespReply {
    const current = this.store.get(key);
    const value = current === undefined ? 0n : parseInt64(current);
    if (value === null) return NOT_AN_INTEGER;
    const next = value + by;
    if (next < MIN_INT64 || next > MAX_INT64) return OVERFLOW;
    this.store.replace(key, next.toString()); // INCR keeps the TTL, as in Redis
    return integerReply(next);
  }

  // --- keyspace ------------------------------------------------------------------------------

  del(args: string[]): RespReply {
    let deleted = 0;
    for (let i = 1; i < args.length; i++) if (this.store.delete(args[i])) deleted++;
    return deleted;
  }

  exists(args: string[]): RespReply {
    let found = 0;
    for (let i = 1; i < args.length; i++) if (this.store.has(args[i])) found++;
    return found;
  }

  keys(args: string[]): RespReply {
    const pattern = args[1];
    return this.store.keys(pattern === '*' ? undefined : globToRegExp(pattern));
  }

  dbsize(): RespReply {
    return this.store.size;
  }

  flushall(args: string[]): RespReply {
    if (args.length > 2) return SYNTAX_ERROR;
    if (args.length === 2) {
      const mode = args[1].toUpperCase();
      if (mode !== 'ASYNC' && mode !== 'SYNC') return SYNTAX_ERROR;
    }
    this.store.flush();
    return OK;
  }

  expire(args: string[]): RespReply {
    return this.expireGeneric(args, 1000, 'expire');
  }

  pexpire(args: string[]): RespReply {
    return this.expireGeneric(args, 1, 'pexpire');
  }

  /** EXPIRE/PEXPIRE key amount [NX|XX|GT|LT] (Redis 7's expireGenericCommand). */
  private expireGeneric(args: string[], unit: number, command: string): RespReply {
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
      else return respError(`ERR Unsupported option ${cString(args[i], 128).replace(/[\r\n]/g, ' ')}`);
    }
    if (nx && (xx || gt || lt)) return respError('ERR NX and XX, GT or LT options at the same time are not compatible');
    if (gt && lt) return respError('ERR GT and LT options at the same time are not compatible');
    const amount = parseInt64(args[2]);
    if (amount === null) return NOT_AN_INTEGER;
    const ms = Number(amount) * unit;
    if (Math.abs(ms) > MAX_EXPIRE_MS) return expireTimeError(command);
    const key = args[1];
    if (!this.store.has(key)) return 0;
    const current = this.store.deadline(key); // undefined: no TTL, an infinite one for GT/LT
    const deadline = this.store.now() + ms;
    if (nx && current !== undefined) return 0;
    if (xx && current === undefined) return 0;
    if (gt && (current === undefined || deadline <= current)) return 0;
    if (lt && current !== undefined && deadline >= current) return 0;
    this.store.expireAt(key, deadline);
    return 1;
  }

  ttl(args: string[]): RespReply {
    const ms = this.remaining(args[1]);
    return ms < 0 ? ms : Math.floor((ms + 500) / 1000);
  }

  pttl(args: string[]): RespReply {
    return this.remaining(args[1]);
  }

  /** Milliseconds left, -1 without a TTL, -2 for a missing key. */
  private remaining(key: string): number {
    if (!this.store.has(key)) return -2;
    const at = this.store.deadline(key);
    return at === undefined ? -1 : Math.max(0, Math.round(at - this.store.now()));
  }

  persist(args: string[]): RespReply {
    const key = args[1];
    return this.store.has(key) && this.store.persist(key) ? 1 : 0;
  }
}

/** Built once: upper-case name -> method and arity (Redis's command table, arities included). */
const COMMANDS = new Map<string, CommandSpec>();
function define(name: string, arity: number, run: Command): void {
  const lower = name.toLowerCase();
  COMMANDS.set(name.toUpperCase(), { name: lower, arity, run, arityError: respError(`ERR wrong number of arguments for '${lower}' command`) });
}
const kv = RespKv.prototype;
define('ping', -1, kv.ping);
define('echo', 2, kv.echo);
define('quit', -1, kv.quit);
define('command', -1, kv.commandInfo);
define('config', -2, kv.config);
define('get', 2, kv.get);
define('set', -3, kv.set);
define('incr', 2, kv.incr);
define('decr', 2, kv.decr);
define('incrby', 3, kv.incrby);
define('decrby', 3, kv.decrby);
define('del', -2, kv.del);
define('exists', -2, kv.exists);
define('keys', 2, kv.keys);
define('dbsize', 1, kv.dbsize);
define('flushall', -1, kv.flushall);
define('expire', -3, kv.expire);
define('pexpire', -3, kv.pexpire);
define('ttl', 2, kv.ttl);
define('pttl', 2, kv.pttl);
define('persist', 2, kv.persist);

@Module({ protocols: [RespKv], providers: [KeyValueStore, { provide: KV_OPTIONS, useValue: DEFAULT_KV_OPTIONS }] })
export class RespKvModule {}
