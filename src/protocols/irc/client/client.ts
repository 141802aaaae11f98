import { OnConnect, OnIdle } from '../../../decorators/handlers';
import { Protocol } from '../../../decorators/protocol';
import { OnCommand, OnUnknownCommand } from '../../../decorators/routing';
import { OptionError } from '../../../errors';
import { injectable } from 'tsyringe';
import { Connection } from '../../../transport/connection';
import type { Constructor } from '../../../types';
import { ircLines } from '../codec';
import { ircMessage, isChannelName, type IrcMessage, type IrcSource } from '../message';
import { fitBytes } from '../text';
import { ircEvents } from '../router';

/** Who a bot is and what it joins: `@IrcBot(options)`. */
export interface IrcClientOptions {
  /** The nick it asks for; taken or refused, it tries variants (`nick_`, `nick__`, then digits). */
  nick: string;
  /** Default: the nick. */
  username?: string;
  /** Default: the nick. */
  realname?: string;
  /** Server password (PASS), if the server wants one. */
  password?: string;
  /** Channels joined once registered (again after every reconnect). */
  channels?: readonly string[];
  /** Nick variants tried before giving up (QUIT, then the reconnect policy decides). Default 5. */
  maxNickRetries?: number;
  /**
   * A server silent for this long is sent a PING; silent as long again, the connection is
   * ended (and `@Connect`'s reconnect policy dials again). Default 240000 ms.
   */
  pingIntervalMs?: number;
}

const OPTIONS = new WeakMap<Function, Required<Omit<IrcClientOptions, 'password'>> & { password?: string }>();
/** Nick length every server accepts (RFC 1459: 9); variants are kept within it. */
const SAFE_NICK_LENGTH = 9;
/** What a relayed line may carry besides our text: `:nick!user@host PRIVMSG target :` with generous sizes. */
const PREFIX_ALLOWANCE = 1 + 30 + 1 + 10 + 1 + 63 + 1;

/**
 * Makes a subclass of `IrcClient` a protocol: the IRC line codec, commands and numerics routed to
 * `@OnCommand('PRIVMSG')` (and `'JOIN'`, `'KICK'`, `'353'`...) handlers as `(from: IrcSource,
 * ...params)`, and the bot's identity. Put `@Connect({ host, port })` beside it.
 */
export function IrcBot(options: IrcClientOptions): ClassDecorator {
  if (typeof options?.nick !== 'string' || !/^[^\s,:!@*?\0\r\n#&][^\s,:!@*?\0\r\n]*$/.test(options.nick)) {
    throw new OptionError(`@IrcBot: nick must be one word that is not a channel name, got ${JSON.stringify(options?.nick)}`);
  }
  const resolved = {
    nick: options.nick,
    username: options.username ?? options.nick,
    realname: options.realname ?? options.nick,
    password: options.password,
    channels: [...(options.channels ?? [])],
    maxNickRetries: options.maxNickRetries ?? 5,
    pingIntervalMs: options.pingIntervalMs ?? 240_000,
  };
  if (!Number.isInteger(resolved.maxNickRetries) || resolved.maxNickRetries < 0) throw new OptionError('@IrcBot: maxNickRetries must be an integer >= 0');
  if (!Number.isInteger(resolved.pingIntervalMs) || resolved.pingIntervalMs < 1000) throw new OptionError('@IrcBot: pingIntervalMs must be an integer >= 1000');
  return (target) => {
    OPTIONS.set(target, resolved);
    Protocol({ codec: ircLines(), router: ircEvents(), idle: { readMs: resolved.pingIntervalMs } })(target);
  };
}

/**
 * The base of an IRC bot (Twisted's `IRCClient`): it registers (PASS, NICK, USER), retries
 * with another nick while its nick is taken or refused (433, 432), answers the server's PINGs,
 * pings a silent server, joins its channels once welcomed (001), and ignores every message no
 * handler routes. Subclasses add `@OnCommand` handlers; `say`, `notice`, `join`, `part`,
 * `quit` and `sendMessage` write. Reconnecting is `@Connect`'s policy: each connection is a new
 * instance that registers again.
 *
 * The base routes PING, PONG, 001, 432 and 433 itself and has the `@OnConnect`, `@OnIdle` and
 * `@OnUnknownCommand` handlers (a subclass declaring them again is a bootstrap error: a duplicate
 * route or handler); `welcomed()` is the hook to override for "registered".
 *
 * @example
 * ```ts
 * @Connect({ host: '127.0.0.1', port: 6667 })
 * @IrcBot({ nick: 'pingbot', channels: ['#torsion'] })
 * class PingBot extends IrcClient {
 *   @OnCommand('PRIVMSG') said(from: IrcSource, target: string, text: string) {
 *     if (text === '!ping') this.say(this.replyTarget(from, target), 'pong');
 *   }
 * }
 * ```
 */
// injectable: records the constructor's parameter types, which subclasses without a constructor inherit.
@injectable()
export class IrcClient {
  /** The nick the server knows us by (once registered), or the one being tried. */
  nick: string;
  /** True once the server welcomed us (001). */
  registered = false;
  private attempt = 0;
  private awaitingPong = false;
  private readonly options: Required<Omit<IrcClientOptions, 'password'>> & { password?: string };

  /** @param conn - The connection to the server: subclasses write to it and end it. */
  constructor(protected readonly conn: Connection) {
    const options = optionsOf(this.constructor as Constructor);
    this.options = options;
    this.nick = options.nick;
  }

  /** Registers on connect: PASS (when configured), NICK and USER. */
  @OnConnect()
  protected register(): IrcMessage[] {
    const o = this.options;
    const out: IrcMessage[] = [];
    if (o.password !== undefined) out.push(ircMessage('PASS', o.password));
    out.push(ircMessage('NICK', this.nick), ircMessage('USER', o.username, '0', '*', o.realname));
    return out;
  }

  /** Answers the server's PING with a PONG carrying its token. */
  @OnCommand('PING')
  protected pinged(_from: IrcSource, token?: string): IrcMessage {
    return token === undefined ? ircMessage('PONG') : ircMessage('PONG', token);
  }

  /** The server answered our keepalive PING: the connection is alive. */
  @OnCommand('PONG')
  protected ponged(): void {
    this.awaitingPong = false;
  }

  /** RPL_WELCOME: registered under the nick the server confirms; joins the channels, then calls `welcomed()`. */
  @OnCommand('001')
  protected welcome(_from: IrcSource, nick?: string): void {
    this.registered = true;
    if (nick !== undefined && nick !== '') this.nick = nick;
    for (const channel of this.options.channels) this.join(channel);
    this.welcomed();
  }

  /** Called once registered (after the channels were asked for); override it. */
  protected welcomed(): void {}

  /** The nick was refused while registering: tries the next alternative, or quits after `maxNickRetries`. */
  @OnCommand(['433', '432'])
  protected nickRefused(): IrcMessage | undefined {
    if (this.registered) return undefined; // a NICK change of ours was refused: we keep our nick
    if (this.attempt >= this.options.maxNickRetries) {
      this.conn.end();
      return ircMessage('QUIT', 'no nick available');
    }
    this.attempt++;
    this.nick = alternativeNick(this.options.nick, this.attempt);
    return ircMessage('NICK', this.nick);
  }

  /** Ignores every message no handler routes (the MOTD, 002-005...). */
  @OnUnknownCommand()
  protected unhandled(): void {
    // Numerics and commands no handler takes (002-005, the MOTD...) are no business of a bot.
  }

  /** A silent server is pinged; silent for another period, the connection is ended (and reconnected). */
  @OnIdle()
  protected idle(): IrcMessage | undefined {
    if (this.awaitingPong) {
      this.conn.end();
      return undefined;
    }
    this.awaitingPong = true;
    return ircMessage('PING', 'torsion');
  }

  /**
   * Sends `text` to a channel or nick as PRIVMSGs: one per line of `text` (CR, LF, NUL split
   * lines), each cut to what fits one IRC line once the server adds our prefix.
   */
  say(target: string, text: string): void {
    this.lines('PRIVMSG', target, text);
  }

  /** As `say`, with NOTICE (which bots should use for automatic replies, RFC 1459 4.4.2). */
  notice(target: string, text: string): void {
    this.lines('NOTICE', target, text);
  }

  /** Joins a channel. */
  join(channel: string, key?: string): void {
    this.conn.send(key === undefined ? ircMessage('JOIN', channel) : ircMessage('JOIN', channel, key));
  }

  /** Leaves a channel. */
  part(channel: string, reason?: string): void {
    this.conn.send(reason === undefined ? ircMessage('PART', channel) : ircMessage('PART', channel, reason));
  }

  /** Says goodbye and closes (a `@Connect` client then reconnects unless the application is closing). */
  quit(reason = 'bye'): void {
    this.conn.send(ircMessage('QUIT', reason));
    this.conn.end();
  }

  /** Sends any message (a typed `IrcMessageError` if it cannot be one line). */
  sendMessage(message: IrcMessage): void {
    this.conn.send(message);
  }

  /** Where an answer to a message goes: the channel it was said on, else (a private message) its sender. */
  replyTarget(from: IrcSource, target: string): string {
    return isChannelName(target) ? target : from.nick;
  }

  private lines(command: 'PRIVMSG' | 'NOTICE', target: string, text: string): void {
    const room = 512 - 2 - PREFIX_ALLOWANCE - Buffer.byteLength(`${command} ${target} :`);
    // eslint-disable-next-line no-control-regex
    for (let line of text.split(/[\r\n\0]+/)) {
      if (line === '') continue;
      while (line !== '') {
        const part = fitBytes(line, room);
        if (part === '') return; // no room at all beside an absurdly long target
        this.conn.send(ircMessage(command, target, part));
        line = line.slice(part.length);
      }
    }
  }
}

function optionsOf(cls: Constructor): Required<Omit<IrcClientOptions, 'password'>> & { password?: string } {
  for (let c: unknown = cls; typeof c === 'function'; c = Object.getPrototypeOf(c)) {
    const options = OPTIONS.get(c);
    if (options !== undefined) return options;
  }
  throw new OptionError(`${cls.name} extends IrcClient without @IrcBot({ nick, ... })`);
}

/** The `attempt`th variant of `nick`: `nick_`, `nick__`... within 9 characters, then digits. */
export function alternativeNick(nick: string, attempt: number): string {
  const underscored = nick + '_'.repeat(attempt);
  if (underscored.length <= SAFE_NICK_LENGTH) return underscored;
  const suffix = String(attempt);
  return nick.slice(0, SAFE_NICK_LENGTH - suffix.length) + suffix;
}
