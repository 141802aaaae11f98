import { inject, injectable } from 'tsyringe';
import { ircFold } from '../casemap';
import { IrcCodec, ircLines } from '../codec';
import { fromSource, type IrcMessage } from '../message';
import { Fanout } from './fanout';
import { fitBytes } from '../text';
import { IRC_SERVER_OPTIONS, type IrcServerOptions } from './options';
import { IrcChannel, type IrcUser } from './state';

/**
 * The server's shared state (one per application): the registered nicks and the channels,
 * both keyed by their RFC 1459 folded names, and the deliveries between clients. Commands
 * (session.ts) check their arguments and permissions; this applies the change and tells
 * everyone concerned, each line encoded once.
 */
@injectable()
export class IrcNetwork {
  private readonly users = new Map<string, IrcUser>();
  private readonly channels = new Map<string, IrcChannel>();
  private readonly codec: IrcCodec;
  /** Writes one encoded line to many clients, within their SendQ. */
  readonly fanout: Fanout;
  /** Seconds since the epoch when this application started (003). */
  readonly createdAt = new Date();

  constructor(@inject(IRC_SERVER_OPTIONS) readonly options: IrcServerOptions) {
    this.codec = ircLines({ maxLineLength: options.maxLineLength });
    this.fanout = new Fanout(options.sendQBytes, (user, reason) => this.drop(user, reason));
  }

  /** Registered clients. */
  get userCount(): number {
    return this.users.size;
  }

  /** The registered client with this nick (any case), if any. */
  user(nick: string): IrcUser | undefined {
    return this.users.get(ircFold(nick));
  }

  /** The channel of this name (any case), if it exists. */
  channel(name: string): IrcChannel | undefined {
    return this.channels.get(ircFold(name));
  }

  /** Every channel, in order of creation. */
  allChannels(): IterableIterator<IrcChannel> {
    return this.channels.values();
  }

  /** True when `nick` is taken by someone other than `user`. */
  nickTaken(nick: string, user: IrcUser): boolean {
    const holder = this.users.get(ircFold(nick));
    return holder !== undefined && holder !== user;
  }

  /** Enters a client that completed registration under its nick. */
  register(user: IrcUser): void {
    user.registered = true;
    this.users.set(user.key, user);
  }

  /** A message from this server (numerics, PONG, ERROR): `:server.name COMMAND ...params`. */
  fromServer(command: string, ...params: string[]): IrcMessage {
    return fromSource(this.options.serverName, command, ...params);
  }

  /** Renames `user`; a registered one's change is seen by itself and everyone sharing a channel with it, once each. */
  rename(user: IrcUser, nick: string): void {
    const key = ircFold(nick);
    if (!user.registered) {
      user.nick = nick;
      user.key = key;
      return;
    }
    const line = this.encode(fromSource(user.source, 'NICK', nick));
    this.users.delete(user.key);
    user.nick = nick;
    user.key = key;
    this.users.set(key, user);
    this.fanout.deliverAll(this.peersOf(user, true), line);
  }

  /** `user` joins `name` (created, with `user` as its op, when new). Everyone on it sees the JOIN, `user` included. */
  join(user: IrcUser, name: string): IrcChannel {
    let channel = this.channels.get(ircFold(name));
    const created = channel === undefined;
    if (channel === undefined) {
      channel = new IrcChannel(name, Math.floor(Date.now() / 1000));
      this.channels.set(channel.key, channel);
    }
    channel.members.set(user, { op: created });
    user.channels.add(channel);
    this.fanout.deliverAll(channel.members.keys(), this.encode(fromSource(user.source, 'JOIN', channel.name)));
    return channel;
  }

  /** `user` leaves `channel` with a PART everyone on it sees, `user` included. */
  part(user: IrcUser, channel: IrcChannel, reason: string | undefined): void {
    const params = reason === undefined || reason === '' ? [channel.name] : [channel.name, reason];
    this.fanout.deliverAll(channel.members.keys(), this.encode(fromSource(user.source, 'PART', ...params)));
    this.leave(user, channel);
  }

  /** `by` kicks `target` off `channel`; everyone on it sees the KICK, `target` included. */
  kick(by: IrcUser, channel: IrcChannel, target: IrcUser, reason: string): void {
    this.fanout.deliverAll(channel.members.keys(), this.encode(fromSource(by.source, 'KICK', channel.name, target.nick, reason)));
    this.leave(target, channel);
  }

  /** Sets the topic; everyone on the channel sees the TOPIC. */
  setTopic(by: IrcUser, channel: IrcChannel, topic: string): void {
    channel.topic = topic;
    channel.topicBy = by.source;
    channel.topicAt = Math.floor(Date.now() / 1000);
    this.fanout.deliverAll(channel.members.keys(), this.encode(fromSource(by.source, 'TOPIC', channel.name, topic)));
  }

  /** Announces applied channel mode changes (`+o-t`, their arguments) to everyone on the channel. */
  announceModes(by: IrcUser, channel: IrcChannel, modes: string, args: string[]): void {
    this.fanout.deliverAll(channel.members.keys(), this.encode(fromSource(by.source, 'MODE', channel.name, modes, ...args)));
  }

  /**
   * PRIVMSG or NOTICE from `user` to every other member of `channel` (never echoed to the
   * sender). The text is cut, at a character boundary, to what fits one line with the prefix.
   */
  toChannel(user: IrcUser, command: string, channel: IrcChannel, text: string): void {
    this.fanout.deliverAll(channel.members.keys(), this.relayLine(user, command, channel.name, text), user);
  }

  /** PRIVMSG or NOTICE from `user` to `target`. */
  toUser(user: IrcUser, command: string, target: IrcUser, text: string): void {
    this.fanout.deliver(target, this.relayLine(user, command, target.nick, text));
  }

  /**
   * `user` is gone (QUIT, a lost connection, a ping timeout, SendQ exceeded): everyone who shared
   * a channel with it sees the QUIT with the reason, once each; its nick and memberships are freed.
   */
  quit(user: IrcUser, reason: string): void {
    if (user.registered && this.users.get(user.key) === user) {
      const peers = this.peersOf(user, false);
      for (const channel of [...user.channels]) this.leave(user, channel);
      this.users.delete(user.key);
      this.fanout.deliverAll(peers, this.encode(fromSource(user.source, 'QUIT', reason)));
    }
    user.registered = false;
  }

  /**
   * Disconnects `user` now, without waiting for its buffer (it is not reading): the others see
   * the QUIT with `reason` when its connection closes.
   */
  drop(user: IrcUser, reason: string): void {
    user.quitReason ??= reason;
    user.conn.destroy();
  }

  /** The line's bytes, encoded once for every recipient. */
  encode(message: IrcMessage): Buffer {
    return this.codec.bytes(message);
  }

  private relayLine(user: IrcUser, command: string, target: string, text: string): Buffer {
    const head = `:${user.source} ${command} ${target} :`;
    const room = this.options.maxLineLength - 2 - Buffer.byteLength(head);
    return this.encode(fromSource(user.source, command, target, fitBytes(text, room)));
  }

  private leave(user: IrcUser, channel: IrcChannel): void {
    channel.members.delete(user);
    user.channels.delete(channel);
    if (channel.members.size === 0) this.channels.delete(channel.key);
  }

  /** Everyone sharing a channel with `user`, once each; itself first when `self`. */
  private peersOf(user: IrcUser, self: boolean): Set<IrcUser> {
    const peers = new Set<IrcUser>();
    if (self) peers.add(user);
    for (const channel of user.channels) for (const member of channel.members.keys()) if (member !== user) peers.add(member);
    return peers;
  }
}
