import type { IrcUser } from './state';

/**
 * Delivery of one encoded line to many clients (a channel's members, the peers of a nick
 * change), kept in this small module so a broadcast-group service can replace it.
 *
 * The line is encoded once by the caller and written as the same bytes to every member, with
 * `conn.write`, which never blocks: it returns false once that member's outgoing buffer is over
 * the connection's high-water mark. From then on the bytes written to it are counted as its
 * backlog (its "SendQ") until its buffer drains (`drained`, from `@OnDrain`); past `sendQBytes`
 * it is disconnected with "SendQ exceeded", as ircds do. So a member that does not read costs
 * at most the high-water mark plus `sendQBytes` of memory, and nobody else waits for it.
 */
export class Fanout {
  constructor(
    private readonly sendQBytes: number,
    /** Disconnects a member whose backlog is over the bound. */
    private readonly drop: (user: IrcUser, reason: string) => void,
  ) {}

  /** Writes `line` to `user`, unless its connection is closing; drops it past its SendQ. */
  deliver(user: IrcUser, line: Buffer): void {
    const conn = user.conn;
    if (conn.state !== 'open') return;
    if (conn.write(line)) {
      user.backlog = 0; // not blocked (any more): whatever it had waiting has drained
      return;
    }
    user.backlog += line.length;
    if (user.backlog > this.sendQBytes) this.drop(user, 'SendQ exceeded');
  }

  /** Writes `line` to every user of `users` but `except`. */
  deliverAll(users: Iterable<IrcUser>, line: Buffer, except?: IrcUser): void {
    for (const user of users) if (user !== except) this.deliver(user, line);
  }

  /** The member's buffer drained: its backlog is gone. */
  drained(user: IrcUser): void {
    user.backlog = 0;
  }
}
