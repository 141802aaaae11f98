import type { IrcMessage } from '../message';
import {
  ERR_NOSUCHNICK, RPL_AWAY, RPL_ENDOFNAMES, RPL_ENDOFWHO, RPL_ENDOFWHOIS, RPL_LIST, RPL_LISTEND, RPL_LISTSTART,
  RPL_NAMREPLY, RPL_NOTOPIC, RPL_TOPIC, RPL_TOPICWHOTIME, RPL_WHOISCHANNELS, RPL_WHOISSERVER, RPL_WHOISUSER, RPL_WHOREPLY,
} from '../numerics';
import type { IrcNetwork } from './network';
import type { IrcChannel, IrcUser } from './state';

/**
 * The read-only commands' answers (NAMES, LIST, WHO, WHOIS, a topic query), as the numerics
 * clients expect, addressed to `to`. Long lists are cut into as many lines as the line limit needs.
 */

/** 332 + 333, or 331 when the channel has no topic. */
export function topicReplies(net: IrcNetwork, to: IrcUser, channel: IrcChannel): IrcMessage[] {
  if (channel.topic === '') return [net.fromServer(RPL_NOTOPIC, to.nick, channel.name, 'No topic is set')];
  return [
    net.fromServer(RPL_TOPIC, to.nick, channel.name, channel.topic),
    net.fromServer(RPL_TOPICWHOTIME, to.nick, channel.name, channel.topicBy, String(channel.topicAt)),
  ];
}

/** 353 lines (as many as the names need) and 366. */
export function namesReplies(net: IrcNetwork, to: IrcUser, channel: IrcChannel): IrcMessage[] {
  const head = `:${net.options.serverName} ${RPL_NAMREPLY} ${to.nick} = ${channel.name} :`;
  const labels = [...channel.members.keys()].map((member) => channel.label(member));
  const out = wordsWithin(labels, net.options.maxLineLength - 2 - Buffer.byteLength(head)).map((names) => net.fromServer(RPL_NAMREPLY, to.nick, '=', channel.name, names));
  out.push(net.fromServer(RPL_ENDOFNAMES, to.nick, channel.name, 'End of /NAMES list'));
  return out;
}

/** 321, a 322 per channel (`LIST #a,#b`: those only), 323. */
export function listReplies(net: IrcNetwork, to: IrcUser, names: string | undefined): IrcMessage[] {
  const channels = names === undefined ? [...net.allChannels()] : names.split(',').map((n) => net.channel(n)).filter((c): c is IrcChannel => c !== undefined);
  return [
    net.fromServer(RPL_LISTSTART, to.nick, 'Channel', 'Users  Name'),
    ...channels.map((c) => net.fromServer(RPL_LIST, to.nick, c.name, String(c.members.size), c.topic)),
    net.fromServer(RPL_LISTEND, to.nick, 'End of /LIST'),
  ];
}

/** A 352 per member of a channel, or for one nick; then 315. */
export function whoReplies(net: IrcNetwork, to: IrcUser, mask: string): IrcMessage[] {
  const out: IrcMessage[] = [];
  const channel = net.channel(mask);
  const server = net.options.serverName;
  const row = (where: string, u: IrcUser, op: boolean): IrcMessage =>
    net.fromServer(RPL_WHOREPLY, to.nick, where, u.username, u.host, server, u.nick, `${u.away === undefined ? 'H' : 'G'}${op ? '@' : ''}`, `0 ${u.realname}`);
  if (channel !== undefined) {
    for (const member of channel.members.keys()) out.push(row(channel.name, member, channel.isOp(member)));
  } else {
    const user = net.user(mask);
    if (user !== undefined) out.push(row('*', user, false));
  }
  out.push(net.fromServer(RPL_ENDOFWHO, to.nick, mask, 'End of /WHO list'));
  return out;
}

/** 311, 319, 312, 301 for a nick (401 when there is none); then 318. */
export function whoisReplies(net: IrcNetwork, to: IrcUser, nick: string): IrcMessage[] {
  const user = net.user(nick);
  if (user === undefined) {
    return [net.fromServer(ERR_NOSUCHNICK, to.nick, nick, 'No such nick/channel'), net.fromServer(RPL_ENDOFWHOIS, to.nick, nick, 'End of /WHOIS list')];
  }
  const out = [net.fromServer(RPL_WHOISUSER, to.nick, user.nick, user.username, user.host, '*', user.realname)];
  const channels = [...user.channels].map((c) => `${c.isOp(user) ? '@' : ''}${c.name}`);
  const head = `:${net.options.serverName} ${RPL_WHOISCHANNELS} ${to.nick} ${user.nick} :`;
  for (const chunk of wordsWithin(channels, net.options.maxLineLength - 2 - Buffer.byteLength(head))) {
    out.push(net.fromServer(RPL_WHOISCHANNELS, to.nick, user.nick, chunk));
  }
  out.push(net.fromServer(RPL_WHOISSERVER, to.nick, user.nick, net.options.serverName, net.options.network));
  if (user.away !== undefined) out.push(net.fromServer(RPL_AWAY, to.nick, user.nick, user.away));
  out.push(net.fromServer(RPL_ENDOFWHOIS, to.nick, user.nick, 'End of /WHOIS list'));
  return out;
}

/** `words` joined by spaces into as few strings as keep each within `bytes` (UTF-8). */
export function wordsWithin(words: readonly string[], bytes: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of words) {
    if (line !== '' && Buffer.byteLength(line) + 1 + Buffer.byteLength(word) > bytes) {
      out.push(line);
      line = '';
    }
    line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') out.push(line);
  return out;
}
