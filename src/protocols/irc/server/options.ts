import { OptionError } from '../../../errors';
import type { ProtocolOptions } from '../../../decorators/options';
import { ircLines } from '../codec';
import { ircCommands } from '../router';
import { fromSource } from '../message';
import { ERR_NOTREGISTERED } from '../numerics';

/** Flood protection: more than `lines` lines within `perMs` disconnects the client ("Excess Flood"). */
export interface IrcFloodOptions {
  /** Lines a client may send within `perMs`. */
  lines: number;
  /** The window, in ms. */
  perMs: number;
}

/** How an IRC server behaves; `IrcServerModule.configure(...)` takes these (every one has a default). */
export interface IrcServerOptions {
  /** The server's name: the prefix of its replies. Default 'irc.torsion.local'. */
  serverName: string;
  /** The network's name (001, 005 `NETWORK=`). Default 'TorsionNet'. */
  network: string;
  /** The message of the day, one string per line; empty: `422 MOTD File is missing`. Default empty. */
  motd: readonly string[];
  /**
   * A client silent for this long is sent a PING; one that stays silent for as long again is
   * dropped ("Ping timeout"). Also bounds how long a connection may stay unregistered.
   * Default 120000 ms; at least 1000.
   */
  pingIntervalMs: number;
  /** Longest line read or written, CRLF included. Default 512. */
  maxLineLength: number;
  /** Server password (`PASS`) clients must give before registering; default none. */
  password: string | undefined;
  /**
   * Bytes a client may have queued (`conn.bufferedBytes`) beyond the connection's write
   * high-water mark (64 KiB, or half of `sendQBytes` when smaller: what a reading client holds
   * for a moment) before it is disconnected with "SendQ exceeded" (a member that does not read
   * never holds up a channel). Default 1 MiB; at least 1024.
   */
  sendQBytes: number;
  /** Flood protection; default off (`false`). */
  flood: IrcFloodOptions | false;
  /** Longest nick (005 `NICKLEN`). Default 30. */
  nickLength: number;
  /** Longest channel name (005 `CHANNELLEN`). Default 50. */
  channelLength: number;
  /** Longest topic (005 `TOPICLEN`); longer ones are cut. Default 390. */
  topicLength: number;
  /** Channels one client may be on (005 `CHANLIMIT`). Default 20. */
  channelLimit: number;
}

/** The defaults of `IrcServerOptions`. */
export const DEFAULT_IRC_SERVER_OPTIONS: IrcServerOptions = Object.freeze({
  serverName: 'irc.torsion.local',
  network: 'TorsionNet',
  motd: [],
  pingIntervalMs: 120_000,
  maxLineLength: 512,
  password: undefined,
  sendQBytes: 1024 * 1024,
  flood: false,
  nickLength: 30,
  channelLength: 50,
  topicLength: 390,
  channelLimit: 20,
});

/** Injection token of the `IrcServerOptions` in effect. */
export const IRC_SERVER_OPTIONS = Symbol('IRC_SERVER_OPTIONS');
/** Injection token of the server protocol's `ProtocolOptions` (codec, router, idle), made from `IRC_SERVER_OPTIONS`. */
export const IRC_SERVER_PROTOCOL_OPTIONS = Symbol('IRC_SERVER_PROTOCOL_OPTIONS');
/**
 * Injection token of the IRC server's own `Groups` (one group per channel, named by its folded
 * name). Its own, local, without an adapter: an IRC network's nicks and channels live in this
 * process, and an application's other groups (a chat's rooms, `GroupsModule`) neither see nor
 * clash with its channels.
 */
export const IRC_GROUPS = Symbol('IRC_GROUPS');

/** The write high-water mark under `sendQBytes`: 64 KiB, or half the SendQ when that is smaller. */
export function ircWriteHighWaterMark(sendQBytes: number): number {
  return Math.min(64 * 1024, Math.floor(sendQBytes / 2));
}

function integer(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new OptionError(`irc server: ${name} must be an integer >= ${min}, got ${String(value)}`);
}

/** The options with defaults filled in, checked; throws `OptionError` naming the option. */
export function resolveIrcServerOptions(given: Partial<IrcServerOptions>): IrcServerOptions {
  const o: IrcServerOptions = { ...DEFAULT_IRC_SERVER_OPTIONS, ...given };
  if (typeof o.serverName !== 'string' || !/^[A-Za-z0-9.-]+$/.test(o.serverName)) {
    throw new OptionError(`irc server: serverName must be a host name (letters, digits, '.', '-'), got ${JSON.stringify(o.serverName)}`);
  }
  if (typeof o.network !== 'string' || !/^[^\s\0\r\n]+$/.test(o.network)) throw new OptionError('irc server: network must be one word');
  if (!Array.isArray(o.motd) || o.motd.some((line) => typeof line !== 'string' || /[\r\n\0]/.test(line))) {
    throw new OptionError('irc server: motd must be an array of lines without CR, LF or NUL');
  }
  integer('pingIntervalMs', o.pingIntervalMs, 1000);
  integer('maxLineLength', o.maxLineLength, 512);
  integer('sendQBytes', o.sendQBytes, 1024);
  integer('nickLength', o.nickLength, 9);
  integer('channelLength', o.channelLength, 2);
  // A channel's name is its group's name too (at most 1024 characters); ircds stop far below.
  if (o.channelLength > 200) throw new OptionError(`irc server: channelLength must be at most 200, got ${o.channelLength}`);
  integer('topicLength', o.topicLength, 1);
  integer('channelLimit', o.channelLimit, 1);
  if (o.password !== undefined && (typeof o.password !== 'string' || o.password === '' || /[\s\0]/.test(o.password))) {
    throw new OptionError('irc server: password must be a non-empty word');
  }
  if (o.flood !== false) {
    if (o.flood === null || typeof o.flood !== 'object') throw new OptionError('irc server: flood must be false or { lines, perMs }');
    integer('flood.lines', o.flood.lines, 1);
    integer('flood.perMs', o.flood.perMs, 1);
  }
  return Object.freeze({ ...o, motd: Object.freeze([...o.motd]) });
}

/**
 * The server protocol's codec, router and idle timeout for `options`: IRC lines of
 * `maxLineLength`, commands routed case-insensitively (a registered-only command before
 * registration gets `451 * :You have not registered`), a read idle timeout of `pingIntervalMs`,
 * a write high-water mark under the SendQ (`ircWriteHighWaterMark`).
 */
export function ircServerProtocolOptions(options: IrcServerOptions): ProtocolOptions {
  return {
    codec: ircLines({ maxLineLength: options.maxLineLength }),
    router: ircCommands({ sequence: () => fromSource(options.serverName, ERR_NOTREGISTERED, '*', 'You have not registered') }),
    idle: { readMs: options.pingIntervalMs },
    writeHighWaterMark: ircWriteHighWaterMark(options.sendQBytes),
    // A line is 512 bytes: a client that takes a minute to finish one is holding a buffer, not typing.
    frameTimeoutMs: Math.max(60_000, options.pingIntervalMs),
  };
}
