import type { IrcMessage } from '../message';
import * as N from '../numerics';
import type { IrcNetwork } from './network';
import type { IrcUser } from './state';

/** The version in 002 and 004. */
export const IRC_SERVER_VERSION = 'torsion-irc-1';

/**
 * What a client gets once registered, addressed to its nick: 001-004, 005 (ISUPPORT: what
 * this server's names, modes and limits are), then the MOTD (see `motdReplies`).
 */
export function welcome(net: IrcNetwork, user: IrcUser): IrcMessage[] {
  const o = net.options;
  const nick = user.nick;
  const out: IrcMessage[] = [
    net.fromServer(N.RPL_WELCOME, nick, `Welcome to the ${o.network} IRC Network ${user.source}`),
    net.fromServer(N.RPL_YOURHOST, nick, `Your host is ${o.serverName}, running version ${IRC_SERVER_VERSION}`),
    net.fromServer(N.RPL_CREATED, nick, `This server was created ${net.createdAt.toUTCString()}`),
    net.fromServer(N.RPL_MYINFO, nick, o.serverName, IRC_SERVER_VERSION, 'iw', 'ont'),
    net.fromServer(
      N.RPL_ISUPPORT, nick, 'CASEMAPPING=rfc1459', 'CHANTYPES=#&', 'PREFIX=(o)@', 'CHANMODES=,,,nt', `CHANLIMIT=#&:${o.channelLimit}`,
      `NICKLEN=${o.nickLength}`, `CHANNELLEN=${o.channelLength}`, `TOPICLEN=${o.topicLength}`, `NETWORK=${o.network}`, 'are supported by this server',
    ),
  ];
  out.push(...motdReplies(net, user));
  return out;
}

/** The MOTD (375, 372 per line, 376), or 422 without one: at registration, and for `MOTD`. */
export function motdReplies(net: IrcNetwork, user: IrcUser): IrcMessage[] {
  const o = net.options;
  const nick = user.nick;
  if (o.motd.length === 0) return [net.fromServer(N.ERR_NOMOTD, nick, 'MOTD File is missing')];
  const out = [net.fromServer(N.RPL_MOTDSTART, nick, `- ${o.serverName} Message of the day - `)];
  // A long MOTD line is cut to fit one IRC line with its prefix and the nick (fromServer fits it).
  for (const line of o.motd) out.push(net.fromServer(N.RPL_MOTD, nick, `- ${line}`));
  out.push(net.fromServer(N.RPL_ENDOFMOTD, nick, 'End of /MOTD command.'));
  return out;
}
