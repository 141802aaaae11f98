import { IrcNumericError } from '../errors';
import type { IrcMessage } from '../message';
import {
  ERR_CHANOPRIVSNEEDED, ERR_NOSUCHNICK, ERR_UMODEUNKNOWNFLAG, ERR_UNKNOWNMODE, ERR_USERNOTINCHANNEL, ERR_USERSDONTMATCH,
  RPL_CHANNELMODEIS, RPL_CREATIONTIME, RPL_ENDOFBANLIST, RPL_UMODEIS,
} from '../numerics';
import { fromSource } from '../message';
import type { IrcNetwork } from './network';
import type { IrcChannel, IrcUser } from './state';

/** Channel modes served: `n` and `t` (flags), `o` (a member's operator status). */
const CHANNEL_FLAGS = new Set(['n', 't']);
/** User modes a client may set on itself. */
const USER_FLAGS = new Set(['i', 'w']);

/**
 * `MODE #channel [changes [args...]]`: without changes, the modes (324, 329); `b` alone, an
 * empty ban list (clients ask on join); otherwise the changes, applied by an operator and
 * announced to the channel as applied (a change that changes nothing is left out).
 */
export function channelMode(net: IrcNetwork, by: IrcUser, channel: IrcChannel, changes: string | undefined, args: string[]): IrcMessage[] {
  if (changes === undefined) {
    return [
      net.fromServer(RPL_CHANNELMODEIS, by.nick, channel.name, `+${[...channel.modes].sort().join('')}`),
      net.fromServer(RPL_CREATIONTIME, by.nick, channel.name, String(channel.createdAt)),
    ];
  }
  if (/^[+-]?b$/.test(changes) && args.length === 0) return [net.fromServer(RPL_ENDOFBANLIST, by.nick, channel.name, 'End of channel ban list')];
  if (!channel.isOp(by)) throw new IrcNumericError(ERR_CHANOPRIVSNEEDED, channel.name, "You're not channel operator");
  const replies: IrcMessage[] = [];
  let applied = '';
  let appliedSign = '';
  const appliedArgs: string[] = [];
  let sign = '+';
  let next = 0;
  for (const mode of changes) {
    if (mode === '+' || mode === '-') {
      sign = mode;
      continue;
    }
    let changed = false;
    let arg: string | undefined;
    if (CHANNEL_FLAGS.has(mode)) {
      changed = sign === '+' ? !channel.modes.has(mode) : channel.modes.has(mode);
      if (sign === '+') channel.modes.add(mode);
      else channel.modes.delete(mode);
    } else if (mode === 'o') {
      arg = args[next++];
      if (arg === undefined) continue;
      const target = net.user(arg);
      const membership = target === undefined ? undefined : channel.members.get(target);
      if (target === undefined) {
        replies.push(net.fromServer(ERR_NOSUCHNICK, by.nick, arg, 'No such nick/channel'));
        continue;
      }
      if (membership === undefined) {
        replies.push(net.fromServer(ERR_USERNOTINCHANNEL, by.nick, target.nick, channel.name, "They aren't on that channel"));
        continue;
      }
      changed = membership.op !== (sign === '+');
      membership.op = sign === '+';
      arg = target.nick;
    } else {
      replies.push(net.fromServer(ERR_UNKNOWNMODE, by.nick, mode, 'is unknown mode char to me'));
      continue;
    }
    if (!changed) continue;
    if (sign !== appliedSign) applied += appliedSign = sign;
    applied += mode;
    if (arg !== undefined) appliedArgs.push(arg);
  }
  if (applied !== '') net.announceModes(by, channel, applied, appliedArgs);
  return replies;
}

/** `MODE nick [changes]`: a client's own modes only (502 for another's); `i` and `w` may be set. */
export function userMode(net: IrcNetwork, by: IrcUser, nick: string, changes: string | undefined): IrcMessage[] {
  if (net.user(nick) !== by) {
    if (net.user(nick) === undefined) throw new IrcNumericError(ERR_NOSUCHNICK, nick, 'No such nick/channel');
    throw new IrcNumericError(ERR_USERSDONTMATCH, "Can't change mode for other users");
  }
  if (changes === undefined) return [net.fromServer(RPL_UMODEIS, by.nick, `+${[...by.modes].sort().join('')}`)];
  const replies: IrcMessage[] = [];
  let applied = '';
  let appliedSign = '';
  let sign = '+';
  let unknown = false;
  for (const mode of changes) {
    if (mode === '+' || mode === '-') {
      sign = mode;
      continue;
    }
    if (!USER_FLAGS.has(mode)) {
      unknown = true; // 'o' and the rest: not something a client gives itself
      continue;
    }
    if ((sign === '+') === by.modes.has(mode)) continue;
    if (sign === '+') by.modes.add(mode);
    else by.modes.delete(mode);
    if (sign !== appliedSign) applied += appliedSign = sign;
    applied += mode;
  }
  if (applied !== '') replies.push(fromSource(by.nick, 'MODE', by.nick, applied));
  if (unknown) replies.push(net.fromServer(ERR_UMODEUNKNOWNFLAG, by.nick, 'Unknown MODE flag'));
  return replies;
}
