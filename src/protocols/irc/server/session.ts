import { Listen } from '../../../decorators/listen';
import { OnClose, OnError, OnIdle, OnShutdown } from '../../../decorators/handlers';
import { Protocol } from '../../../decorators/protocol';
import { OnCommand, OnUnknownCommand, UseFilters, UseGuards } from '../../../decorators/routing';
import { FrameError, FrameTooLargeError, SlowMemberError } from '../../../errors';
import { Connection } from '../../../transport/connection';
import type { CloseReason } from '../../../types';
import { IrcNumericError } from '../errors';
import { isChannelName, type IrcMessage } from '../message';
import { ircCommands } from '../router';
import * as N from '../numerics';
import { FloodControl, IrcFloodFilter, IrcNumericReplies } from './filters';
import { channelMode, userMode } from './modes';
import { IrcNetwork } from './network';
import { IRC_SERVER_PROTOCOL_OPTIONS } from './options';
import { listReplies, namesReplies, topicReplies, whoisReplies, whoReplies } from './queries';
import { IrcChannel, IrcUser } from './state';
import { fitBytes } from '../text';
import { motdReplies, welcome } from './welcome';

/** RFC 2812 nicknames: a letter or special first, then letters, digits, specials and '-'. */
const NICK = /^[A-Za-z[\]\\`_^{|}][A-Za-z0-9[\]\\`_^{|}-]*$/;
/** Channel names: '#' or '&', then anything but space, comma, BEL and ':'. */
// eslint-disable-next-line no-control-regex -- BEL is exactly what a channel name may not hold
const CHANNEL = /^[#&][^\s,\x07:]+$/;

/** The `when` of every command but registration's own: 451 before registration. */
const registered = (session: IrcSession): boolean => session.user.registered;

function need(value: string | undefined, command: string): string {
  if (value === undefined || value === '') throw new IrcNumericError(N.ERR_NEEDMOREPARAMS, command, 'Not enough parameters');
  return value;
}

/**
 * One IRC client's connection to the server (RFC 1459 / 2812, as clients use it): each
 * command is a route, a registered-only one declares `when: registered` (451 otherwise), and a
 * command's errors are `IrcNumericError`s that `IrcNumericReplies` addresses to the client. The
 * shared state and the deliveries to other clients are `IrcNetwork`'s.
 */
@Listen(6667)
// The router given in place is the bootstrap's first compile's (routes are checked before the
// options token is resolved); the token's, which knows the server name for 451, replaces it.
@Protocol({ options: IRC_SERVER_PROTOCOL_OPTIONS, router: ircCommands() })
@UseGuards(FloodControl)
@UseFilters(IrcNumericReplies, IrcFloodFilter)
export class IrcSession {
  /** This connection's client. */
  readonly user: IrcUser;
  /** FloodControl's window (unused while flood protection is off). */
  floodWindowStart = 0;
  /** FloodControl's count in the window. */
  floodLines = 0;
  private password: string | undefined;
  /** A PING of ours is unanswered: the next idle period drops the client. */
  private awaitingPong = false;

  constructor(
    private readonly network: IrcNetwork,
    private readonly conn: Connection,
  ) {
    const address = conn.remoteAddress;
    const host = address.startsWith('::ffff:') ? address.slice(7) : address || 'localhost';
    // An IPv6 host may start with ':' (`::1`), which no middle parameter may (WHO, WHOIS): ircds write it `0::1`.
    this.user = new IrcUser(conn, host.startsWith(':') ? `0${host}` : host);
  }

  // --- registration -------------------------------------------------------------------

  /** PASS password: kept for the check at registration; 462 afterwards. */
  @OnCommand('PASS')
  pass(password?: string): IrcMessage | undefined {
    if (this.user.registered) throw new IrcNumericError(N.ERR_ALREADYREGISTERED, 'You may not reregister');
    this.password = need(password, 'PASS');
    return undefined;
  }

  /** NICK nick: 431, 432, 433 (any case), else the nick (seen by everyone sharing a channel, once registered). */
  @OnCommand('NICK')
  nick(nick?: string): IrcMessage[] | undefined {
    if (nick === undefined || nick === '') throw new IrcNumericError(N.ERR_NONICKNAMEGIVEN, 'No nickname given');
    if (!NICK.test(nick) || nick.length > this.network.options.nickLength) throw new IrcNumericError(N.ERR_ERRONEUSNICKNAME, nick, 'Erroneous nickname');
    if (this.network.nickTaken(nick, this.user)) throw new IrcNumericError(N.ERR_NICKNAMEINUSE, nick, 'Nickname is already in use');
    if (nick === this.user.nick) return undefined;
    this.network.rename(this.user, nick);
    return this.tryRegister();
  }

  /** USER username mode unused :realname: 461 with fewer, 462 once registered. */
  @OnCommand('USER')
  userCommand(username?: string, _mode?: string, _unused?: string, realname?: string): IrcMessage[] | undefined {
    if (this.user.registered) throw new IrcNumericError(N.ERR_ALREADYREGISTERED, 'You may not reregister');
    need(realname, 'USER');
    // The user name becomes part of the prefix: keep it one safe word.
    this.user.username = (username as string).replace(/[^A-Za-z0-9._~-]/g, '').slice(0, 10) || 'user';
    this.user.realname = realname as string;
    return this.tryRegister();
  }

  /** Both NICK and USER given: the password check, then 001-005 and the MOTD. */
  private tryRegister(): IrcMessage[] | undefined {
    const user = this.user;
    if (user.registered || user.nick === '*' || user.username === '') return undefined;
    const password = this.network.options.password;
    if (password !== undefined && this.password !== password) {
      user.quitReason = 'Bad password';
      this.conn.end();
      return [this.network.fromServer(N.ERR_PASSWDMISMATCH, user.nick, 'Password incorrect'), this.network.fromServer('ERROR', `Closing Link: ${user.host} (Bad password)`)];
    }
    if (this.network.nickTaken(user.nick, user)) throw new IrcNumericError(N.ERR_NICKNAMEINUSE, user.nick, 'Nickname is already in use');
    this.network.register(user);
    return welcome(this.network, user);
  }

  /** MOTD [server]: the message of the day again (this network has one server), or 422. */
  @OnCommand('MOTD', { when: registered })
  motd(): IrcMessage[] {
    return motdReplies(this.network, this.user);
  }

  // --- liveness -------------------------------------------------------------------------

  /** PING token: PONG with the token; 409 without one. */
  @OnCommand('PING')
  ping(token?: string): IrcMessage {
    if (token === undefined) throw new IrcNumericError(N.ERR_NOORIGIN, 'No origin specified');
    return this.network.fromServer('PONG', this.network.options.serverName, token);
  }

  /** PONG: our PING is answered. */
  @OnCommand('PONG')
  pong(): void {
    this.awaitingPong = false;
  }

  /** Silent for a ping interval: PING it; still silent one interval later: drop it. */
  @OnIdle()
  idle(): IrcMessage | undefined {
    if (this.awaitingPong) {
      const seconds = Math.round(this.network.options.pingIntervalMs / 1000);
      this.user.quitReason ??= `Ping timeout: ${seconds} seconds`;
      this.conn.end();
      return this.network.fromServer('ERROR', `Closing Link: ${this.user.host} (Ping timeout: ${seconds} seconds)`);
    }
    this.awaitingPong = true;
    return this.network.fromServer('PING', this.network.options.serverName);
  }

  /** QUIT [:reason]: ERROR, then the close; the others see the reason (see `closed`). */
  @OnCommand('QUIT')
  quit(reason?: string): IrcMessage {
    this.user.quitReason = reason === undefined || reason === '' ? 'Quit' : `Quit: ${reason}`;
    this.conn.end();
    return this.network.fromServer('ERROR', `Closing Link: ${this.user.host} (${this.user.quitReason})`);
  }

  // --- channels -------------------------------------------------------------------------

  // JOIN, PART and messages take lists (`#a,#b`): each target's answer is sent as it is handled,
  // so errors and the echoes written to the channel's members leave in the order of the list.

  /** JOIN #a,#b (or 0: part all): the JOIN to every member, the joiner included, then topic and names. */
  @OnCommand('JOIN', { when: registered })
  join(names?: string): void {
    const list = need(names, 'JOIN');
    if (list === '0') {
      for (const channel of [...this.user.channels]) this.network.part(this.user, channel, undefined);
      return;
    }
    for (const name of list.split(',')) {
      if (!CHANNEL.test(name) || name.length > this.network.options.channelLength) {
        this.conn.send(this.numeric(N.ERR_NOSUCHCHANNEL, name, 'No such channel'));
        continue;
      }
      const existing = this.network.channel(name);
      if (existing !== undefined && existing.members.has(this.user)) continue;
      if (this.user.channels.size >= this.network.options.channelLimit) {
        this.conn.send(this.numeric(N.ERR_TOOMANYCHANNELS, name, 'You have joined too many channels'));
        continue;
      }
      const channel = this.network.join(this.user, name);
      if (channel.topic !== '') this.conn.send(topicReplies(this.network, this.user, channel));
      this.conn.send(namesReplies(this.network, this.user, channel));
    }
  }

  /** PART #a,#b [:reason]: the PART to every member, the parting one included; 403, 442. */
  @OnCommand('PART', { when: registered })
  part(names?: string, reason?: string): void {
    for (const name of need(names, 'PART').split(',')) {
      const channel = this.network.channel(name);
      if (channel === undefined) this.conn.send(this.numeric(N.ERR_NOSUCHCHANNEL, name, 'No such channel'));
      else if (!channel.members.has(this.user)) this.conn.send(this.numeric(N.ERR_NOTONCHANNEL, channel.name, "You're not on that channel"));
      else this.network.part(this.user, channel, reason);
    }
  }

  /** TOPIC #a [:topic]: the topic (331/332/333), or set it (a member; an op under +t) for every member to see. */
  @OnCommand('TOPIC', { when: registered })
  topic(name?: string, topic?: string): IrcMessage[] | undefined {
    const channel = this.existingChannel(need(name, 'TOPIC'));
    if (topic === undefined) return topicReplies(this.network, this.user, channel);
    this.member(channel);
    if (channel.modes.has('t') && !channel.isOp(this.user)) throw new IrcNumericError(N.ERR_CHANOPRIVSNEEDED, channel.name, "You're not channel operator");
    this.network.setTopic(this.user, channel, fitBytes(topic, this.network.options.topicLength)); // TOPICLEN counts bytes
    return undefined;
  }

  /** NAMES [#a,#b]: 353 and 366 per channel (every channel without an argument). */
  @OnCommand('NAMES', { when: registered })
  names(names?: string): IrcMessage[] {
    if (names === undefined) return [...this.network.allChannels()].flatMap((c) => namesReplies(this.network, this.user, c).slice(0, -1)).concat(this.numeric(N.RPL_ENDOFNAMES, '*', 'End of /NAMES list'));
    return names.split(',').flatMap((name) => {
      const channel = this.network.channel(name);
      return channel === undefined ? [this.numeric(N.RPL_ENDOFNAMES, name, 'End of /NAMES list')] : namesReplies(this.network, this.user, channel);
    });
  }

  /** LIST [#a,#b]: 321, 322 per channel, 323. */
  @OnCommand('LIST', { when: registered })
  list(names?: string): IrcMessage[] {
    return listReplies(this.network, this.user, names);
  }

  /** KICK #a nick [:reason], by a channel operator: every member sees it, the target included. */
  @OnCommand('KICK', { when: registered })
  kick(name?: string, nick?: string, reason?: string): void {
    const channel = this.existingChannel(need(name, 'KICK'));
    need(nick, 'KICK');
    this.member(channel);
    if (!channel.isOp(this.user)) throw new IrcNumericError(N.ERR_CHANOPRIVSNEEDED, channel.name, "You're not channel operator");
    const target = this.network.user(nick as string);
    if (target === undefined) throw new IrcNumericError(N.ERR_NOSUCHNICK, nick as string, 'No such nick/channel');
    if (!channel.members.has(target)) throw new IrcNumericError(N.ERR_USERNOTINCHANNEL, nick as string, channel.name, "They aren't on that channel");
    this.network.kick(this.user, channel, target, reason === undefined || reason === '' ? this.user.nick : reason);
  }

  /** MODE #a [changes [args]] or MODE nick [changes] (see modes.ts). */
  @OnCommand('MODE', { when: registered })
  mode(target?: string, changes?: string, ...args: string[]): IrcMessage[] {
    need(target, 'MODE');
    if (!isChannelName(target as string)) return userMode(this.network, this.user, target as string, changes);
    const channel = this.existingChannel(target as string);
    return channelMode(this.network, this.user, channel, changes, args);
  }

  // --- messages -------------------------------------------------------------------------

  /** PRIVMSG targets :text: to every other member of a channel, or to a nick; 411, 412, 401, 404, 301. */
  @OnCommand('PRIVMSG', { when: registered })
  privmsg(targets?: string, text?: string): void {
    if (targets === undefined || targets === '') throw new IrcNumericError(N.ERR_NORECIPIENT, 'No recipient given (PRIVMSG)');
    if (text === undefined || text === '') throw new IrcNumericError(N.ERR_NOTEXTTOSEND, 'No text to send');
    this.relay('PRIVMSG', targets, text);
  }

  /** As PRIVMSG, but no error or away reply ever answers a NOTICE (RFC 1459 4.4.2). */
  @OnCommand('NOTICE', { when: registered })
  notice(targets?: string, text?: string): void {
    if (targets === undefined || text === undefined || text === '') return;
    this.relay('NOTICE', targets, text);
  }

  private relay(command: 'PRIVMSG' | 'NOTICE', targets: string, text: string): void {
    const quiet = command === 'NOTICE';
    for (const target of targets.split(',')) {
      if (isChannelName(target)) {
        const channel = this.network.channel(target);
        if (channel === undefined) {
          if (!quiet) this.conn.send(this.numeric(N.ERR_NOSUCHNICK, target, 'No such nick/channel'));
        } else if (channel.modes.has('n') && !channel.members.has(this.user)) {
          if (!quiet) this.conn.send(this.numeric(N.ERR_CANNOTSENDTOCHAN, channel.name, 'Cannot send to channel'));
        } else {
          this.network.toChannel(this.user, command, channel, text);
        }
        continue;
      }
      const user = this.network.user(target);
      if (user === undefined) {
        if (!quiet) this.conn.send(this.numeric(N.ERR_NOSUCHNICK, target, 'No such nick/channel'));
        continue;
      }
      this.network.toUser(this.user, command, user, text);
      if (!quiet && user.away !== undefined) this.conn.send(this.numeric(N.RPL_AWAY, user.nick, user.away));
    }
  }

  /** AWAY [:message]: 306 when set, 305 when cleared. */
  @OnCommand('AWAY', { when: registered })
  away(message?: string): IrcMessage {
    this.user.away = message === undefined || message === '' ? undefined : message;
    return this.user.away === undefined ? this.numeric(N.RPL_UNAWAY, 'You are no longer marked as being away') : this.numeric(N.RPL_NOWAWAY, 'You have been marked as being away');
  }

  // --- queries --------------------------------------------------------------------------

  /** WHO #channel or nick: 352 rows, then 315. */
  @OnCommand('WHO', { when: registered })
  who(mask?: string): IrcMessage[] {
    return whoReplies(this.network, this.user, need(mask, 'WHO'));
  }

  /** WHOIS [server] nick[,nick]: 311, 319, 312, 301, 318 (401 for an unknown nick). */
  @OnCommand('WHOIS', { when: registered })
  whois(first?: string, second?: string): IrcMessage[] {
    // `WHOIS server nick` names a server first; this network has one.
    const nick = need(second ?? first, 'WHOIS');
    return nick.split(',').flatMap((n) => whoisReplies(this.network, this.user, n));
  }

  /** Any other command: 421. */
  @OnUnknownCommand()
  unknown(command: string | undefined): IrcMessage {
    return this.numeric(N.ERR_UNKNOWNCOMMAND, (command ?? '').slice(0, 32), 'Unknown command');
  }

  // --- connection events ----------------------------------------------------------------

  /** A line over the limit (dropped by the codec) gets 417; a malformed one is ignored, as ircds do; anything else closes. */
  @OnError()
  failed(error: Error): IrcMessage | undefined {
    if (error instanceof FrameTooLargeError) return this.numeric(N.ERR_INPUTTOOLONG, 'Input line was too long');
    if (error instanceof FrameError) return undefined;
    this.user.quitReason ??= 'Server error';
    return this.network.fromServer('ERROR', `Closing Link: ${this.user.host} (Server error)`);
  }

  /** The server is shutting down: ERROR, then the close. */
  @OnShutdown()
  shuttingDown(): IrcMessage {
    this.user.quitReason ??= 'Server shutting down';
    return this.network.fromServer('ERROR', `Closing Link: ${this.user.host} (Server shutting down)`);
  }

  /** However it ended, the others who shared a channel see the QUIT, with the reason. */
  @OnClose()
  closed(reason: CloseReason): void {
    this.network.quit(this.user, this.user.quitReason ?? closeText(reason));
  }

  private numeric(numeric: string, ...params: string[]): IrcMessage {
    return this.network.fromServer(numeric, this.user.nick, ...params);
  }

  private existingChannel(name: string): IrcChannel {
    const channel = this.network.channel(name);
    if (channel === undefined) throw new IrcNumericError(N.ERR_NOSUCHCHANNEL, name, 'No such channel');
    return channel;
  }

  private member(channel: IrcChannel): void {
    if (!channel.members.has(this.user)) throw new IrcNumericError(N.ERR_NOTONCHANNEL, channel.name, "You're not on that channel");
  }
}

function closeText(reason: CloseReason): string {
  // Destroyed by its channel's group, or a private message, past its SendQ (see fanout.ts).
  if (reason.error instanceof SlowMemberError) return 'SendQ exceeded';
  switch (reason.kind) {
    case 'done':
      return 'Client closed connection';
    case 'timeout':
      return 'Connection timed out';
    case 'error':
      return 'Client error';
    default:
      return 'Connection reset by peer';
  }
}
