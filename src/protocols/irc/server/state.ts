import type { Connection } from '../../../transport/connection';
import { ircFold } from '../casemap';

/** One client of the server: who it is, and where its lines go. */
export class IrcUser {
  /** '*' until NICK. */
  nick = '*';
  /** `ircFold(nick)`: the key in the network's nick table. */
  key = '*';
  username = '';
  realname = '';
  registered = false;
  /** User modes set (`i`, `w`). */
  readonly modes = new Set<string>();
  /** The AWAY message, when away. */
  away: string | undefined;
  /** Channels joined, in order of joining. */
  readonly channels = new Set<IrcChannel>();
  /** Why it leaves, once known (Quit: ..., Ping timeout, SendQ exceeded); the others see it. */
  quitReason: string | undefined;
  /** Bytes written to it since its connection last reported a full buffer (see fanout.ts). */
  backlog = 0;

  constructor(
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
  op: boolean;
}

/** One channel: its members, topic and modes. It exists while it has members. */
export class IrcChannel {
  readonly key: string;
  readonly members = new Map<IrcUser, Membership>();
  topic = '';
  topicBy = '';
  topicAt = 0;
  /** `n` (no messages from outside) and `t` (only ops set the topic), both on for a new channel. */
  readonly modes = new Set<string>(['n', 't']);

  constructor(
    /** The name as its creator spelled it. */
    readonly name: string,
    /** Seconds since the epoch (329). */
    readonly createdAt: number,
  ) {
    this.key = ircFold(name);
  }

  isOp(user: IrcUser): boolean {
    return this.members.get(user)?.op === true;
  }

  /** '@nick' or 'nick', as NAMES lists it. */
  label(user: IrcUser): string {
    return this.isOp(user) ? `@${user.nick}` : user.nick;
  }
}
