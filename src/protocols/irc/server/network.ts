import { inject, injectable } from 'tsyringe';
import { Groups } from '../../../groups/groups';
import { ircFold } from '../casemap';
import { IrcCodec, ircLines } from '../codec';
import type { IrcMessage } from '../message';
import { channelGroupOptions, writeWithinSendQ } from './fanout';
import { fitBytes } from '../text';
import { IRC_GROUPS, IRC_SERVER_OPTIONS, type IrcServerOptions } from './options';
import { IrcChannel, type IrcUser } from './state';

/**
 * The server's shared state (one per application): the registered nicks and the channels,
 * both keyed by their RFC 1459 folded names, and the deliveries between clients. Commands
 * (session.ts) check their arguments and permissions; this applies the change and tells
 * everyone concerned, each line encoded once: a channel is a broadcast group of its members'
 * connections (see fanout.ts for the SendQ), in this server's own `Groups` (`IRC_GROUPS`).
 */
@injectable()
export class IrcNetwork {
  private readonly users = new Map<string, IrcUser>();
  private readonly channels = new Map<string, IrcChannel>();
  private readonly codec: IrcCodec;
  /** When this network was made, as the application started (003). */
  readonly createdAt = new Date();

  constructor(
    /** The server's options in effect (`IrcServerModule.configure`, defaults filled in). */
    @inject(IRC_SERVER_OPTIONS) readonly options: IrcServerOptions,
    @inject(IRC_GROUPS) private readonly groups: Groups,
  ) {
    this.codec = ircLines({ maxLineLength: options.maxLineLength });
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

  /**
   * A message from this server (numerics, PONG, ERROR): `:server.name COMMAND ...params`, made
   * to fit one line (see `fitted`): what a client sent or set is echoed in many of them.
   */
  fromServer(command: string, ...params: string[]): IrcMessage {
    return fitted(this.options.serverName, command, params, this.options.maxLineLength);
  }

  /** A message from `user` (`:nick!user@host COMMAND ...params`) to others, its last parameter cut to fit one line. */
  fromUser(user: IrcUser, command: string, ...params: string[]): IrcMessage {
    return fitted(user.source, command, params, this.options.maxLineLength);
  }

  /** Renames `user`; a registered one's change is seen by itself and everyone sharing a channel with it, once each. */
  rename(user: IrcUser, nick: string): void {
    const key = ircFold(nick);
    if (!user.registered) {
      user.nick = nick;
      user.key = key;
      return;
    }
    const line = this.codec.line(this.fromUser(user, 'NICK', nick));
    this.users.delete(user.key);
    user.nick = nick;
    user.key = key;
    this.users.set(key, user);
    this.toEach(this.peersOf(user, true), line);
  }

  /** `user` joins `name` (created, with `user` as its op, when new). Everyone on it sees the JOIN, `user` included. */
  join(user: IrcUser, name: string): IrcChannel {
    let channel = this.channels.get(ircFold(name));
    const created = channel === undefined;
    if (channel === undefined) {
      const key = ircFold(name);
      channel = new IrcChannel(name, Math.floor(Date.now() / 1000), this.groups.group(key, channelGroupOptions(this.options.sendQBytes)));
      this.channels.set(key, channel);
    }
    channel.members.set(user, { op: created });
    user.channels.add(channel);
    channel.group.add(user.conn);
    channel.group.broadcast(this.fromUser(user, 'JOIN', channel.name));
    return channel;
  }

  /** `user` leaves `channel` with a PART everyone on it sees, `user` included. */
  part(user: IrcUser, channel: IrcChannel, reason: string | undefined): void {
    const params = reason === undefined || reason === '' ? [channel.name] : [channel.name, reason];
    channel.group.broadcast(this.fromUser(user, 'PART', ...params));
    this.leave(user, channel);
  }

  /** `by` kicks `target` off `channel`; everyone on it sees the KICK, `target` included. */
  kick(by: IrcUser, channel: IrcChannel, target: IrcUser, reason: string): void {
    channel.group.broadcast(this.fromUser(by, 'KICK', channel.name, target.nick, reason));
    this.leave(target, channel);
  }

  /** Sets the topic; everyone on the channel sees the TOPIC. */
  setTopic(by: IrcUser, channel: IrcChannel, topic: string): void {
    channel.topic = topic;
    channel.topicBy = by.source;
    channel.topicAt = Math.floor(Date.now() / 1000);
    channel.group.broadcast(this.fromUser(by, 'TOPIC', channel.name, topic));
  }

  /** Announces applied channel mode changes (`+o-t`, their arguments) to everyone on the channel. */
  announceModes(by: IrcUser, channel: IrcChannel, modes: string, args: string[]): void {
    channel.group.broadcast(this.fromUser(by, 'MODE', channel.name, modes, ...args));
  }

  /**
   * PRIVMSG or NOTICE from `user` to every other member of `channel` (never echoed to the
   * sender). The text is cut, at a character boundary, to what fits one line with the prefix.
   */
  toChannel(user: IrcUser, command: string, channel: IrcChannel, text: string): void {
    channel.group.broadcast(this.fromUser(user, command, channel.name, text), { except: user.conn });
  }

  /** PRIVMSG or NOTICE from `user` to `target`. */
  toUser(user: IrcUser, command: string, target: IrcUser, text: string): void {
    this.toEach([target], this.codec.line(this.fromUser(user, command, target.nick, text)));
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
      this.toEach(peers, this.codec.line(this.fromUser(user, 'QUIT', reason)));
    }
    user.registered = false;
  }

  /** One encoded line to each of `users`, within their SendQ. */
  private toEach(users: Iterable<IrcUser>, line: string): void {
    const size = Buffer.byteLength(line);
    for (const user of users) writeWithinSendQ(user, line, size, this.options.sendQBytes);
  }

  private leave(user: IrcUser, channel: IrcChannel): void {
    channel.members.delete(user);
    channel.group.remove(user.conn);
    user.channels.delete(channel);
    if (channel.members.size === 0 && this.channels.get(channel.key) === channel) {
      this.channels.delete(channel.key);
      channel.group.close(); // its name is free for the next channel of that name
    }
  }

  /** Everyone sharing a channel with `user`, once each; itself first when `self`. */
  private peersOf(user: IrcUser, self: boolean): Set<IrcUser> {
    const peers = new Set<IrcUser>();
    if (self) peers.add(user);
    for (const channel of user.channels) for (const member of channel.members.keys()) if (member !== user) peers.add(member);
    return peers;
  }
}

/** True when `param` can be written as a middle parameter: not empty, no space, no leading ':'. */
function isMiddle(param: string): boolean {
  return param !== '' && param.charCodeAt(0) !== 0x3a && param.indexOf(' ') === -1;
}

/**
 * `:prefix command ...params` made to fit one line of `maxLineLength` (CRLF included): a middle
 * parameter that cannot be one (a client's `NICK :a b` or `NAMES ::x`, echoed in the numeric) is
 * written as '*', and the last parameter (free text: a reason, a topic, an away message, a real
 * name) is cut at a character boundary to what the line has room for. So no reply or relay built
 * from what a client sent fails to encode, for it or for anyone else.
 */
function fitted(prefix: string, command: string, params: string[], maxLineLength: number): IrcMessage {
  const last = params.length - 1;
  if (last < 0) return { prefix, command, params };
  // ':' prefix ' ' command, ' ' middle each, ' :' last, CRLF.
  let used = 1 + Buffer.byteLength(prefix) + 1 + command.length + 2 + 2;
  for (let i = 0; i < last; i++) {
    if (!isMiddle(params[i])) params[i] = '*';
    used += Buffer.byteLength(params[i]) + 1;
  }
  params[last] = fitBytes(params[last], Math.max(0, maxLineLength - used));
  return { prefix, command, params };
}
