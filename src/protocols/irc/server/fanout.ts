import { SlowMemberError } from '../../../errors';
import type { GroupOptions } from '../../../groups/group';
import { ircWriteHighWaterMark } from './options';
import type { IrcUser } from './state';

/**
 * The SendQ (bytes queued for a client and not yet taken by its socket, `conn.bufferedBytes`)
 * and the deliveries that are not a channel broadcast.
 *
 * A channel is a broadcast group with `channelGroupOptions`: a member whose queue a line would
 * take past `sendQBound` (`sendQBytes` beyond the write high-water mark) is removed and its connection destroyed with a `SlowMemberError`, which
 * the session turns into the "SendQ exceeded" QUIT its peers see. A private message, and a NICK
 * or QUIT that goes to everyone sharing a channel once each (a set no single group is), are
 * written by `writeWithinSendQ` under the same rule, so no client that does not read costs more
 * than its SendQ and nobody waits for it.
 */

/**
 * The bytes a client may have queued: its SendQ beyond the connection's write high-water mark
 * (what a reading client may hold for a moment: the writes gathered for one batch).
 */
export function sendQBound(sendQBytes: number): number {
  return ircWriteHighWaterMark(sendQBytes) + sendQBytes;
}

/** The options of a channel's group: 'disconnect' past the SendQ. */
export function channelGroupOptions(sendQBytes: number): GroupOptions {
  return { slowMember: 'disconnect', maxBufferedBytes: sendQBound(sendQBytes) };
}

/**
 * Writes the encoded `line` (`size` its UTF-8 bytes) to `user`, as a 'disconnect' group would:
 * past `sendQBound` it is destroyed with a `SlowMemberError` (named after the user's nick, as
 * the group it would be if it were one). Nothing is written to a connection that is closing.
 */
export function writeWithinSendQ(user: IrcUser, line: string, size: number, sendQBytes: number): void {
  const conn = user.conn;
  if (conn.state !== 'open') return;
  const buffered = conn.bufferedBytes;
  const bound = sendQBound(sendQBytes);
  if (buffered + size > bound) conn.destroy(new SlowMemberError(user.nick, buffered, size, bound));
  else conn.write(line);
}
