import type { Group } from '../../../groups/group';
import type { Connection } from '../../../transport/connection';
import { ircFold } from '../casemap';

/** One client of the server: who it is, and where its lines go. */
export class IrcUser {
  /** '*' until NICK. */
  nick = '*';
  /** `ircFold(nick)`: the key in the network's nick table. */
  key = '*';
  /** From USER (made one safe word). */
  username = '';
  /** From USER. */
  realname = '';
  /** True once NICK, USER (and PASS, when required) completed registration. */
  registered = false;
  /** User modes set (`i`, `w`). */
  readonly modes = new Set<string>();
  /** The AWAY message, when away. */
  away: string | undefined;
  /** Channels joined, in order of joining. */
  readonly channels = new Set<IrcChannel>();
  /** Why it leaves, once known (Quit: ..., Ping timeout, SendQ exceeded); the others see it. */
  quitReason: string | undefined;

  constructor(
    /** Its connection: where lines to it alone are written, and what is ended when it leaves. */
    readonly conn: Connection,
    /** The address it connected from (an IPv4-mapped address without its `::ffff:`). */
    readonly host: string,
  ) {}

  /** `nick!user@host`, the prefix of what it says. */
  get source(): string {
    return `${this.nick}!${this.username}@${this.host}`;
  }
}

/** A channel's member: op or not. */
export interface Membership {
  /** Channel operator (`@`). */
  op: boolean;
}

/** One channel: its members, topic and modes. It exists while it has members. */
export class IrcChannel {
  /** `ircFold(name)`: the key in the network's channel table. */
  readonly key: string;
  /** The members, in order of joining, and whether each is an operator. */
  readonly members = new Map<IrcUser, Membership>();
  /** '' when none. */
  topic = '';
  /** Who set the topic (`nick!user@host`). */
  topicBy = '';
  /** When the topic was set, in seconds since the epoch. */
  topicAt = 0;
  /** `n` (no messages from outside) and `t` (only ops set the topic), both on for a new channel. */
  readonly modes = new Set<string>(['n', 't']);

  constructor(
    /** The name as its creator spelled it. */
    readonly name: string,
    /** Seconds since the epoch (329). */
    readonly createdAt: number,
    /** Its members' connections: what is said on the channel is broadcast to it (see fanout.ts). */
    readonly group: Group,
  ) {
    this.key = ircFold(name);
  }

  /** True when `user` is an operator of this channel. */
  isOp(user: IrcUser): boolean {
    return this.members.get(user)?.op === true;
  }

  /** '@nick' or 'nick', as NAMES lists it. */
  label(user: IrcUser): string {
    return this.isOp(user) ? `@${user.nick}` : user.nick;
  }
}
