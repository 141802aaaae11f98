import { routeBy, type Router, type RouterReplies } from '../../codec/router';
import type { IrcMessage } from './message';
import { parseSource, type IrcSource } from './message';

/**
 * Routes `IrcMessage` frames by their command, case-insensitively (`privmsg` reaches
 * `@OnCommand('PRIVMSG')`), spreading the parameters into the handler's:
 * `@OnCommand('JOIN') join(channels?: string, keys?: string)`. A server's router.
 */
export function ircCommands(replies: Partial<RouterReplies> = {}): Router<IrcMessage> {
  return routeBy<IrcMessage>(
    (message) => message.command,
    (message) => message.params.slice(),
    { caseInsensitive: true, replies },
  );
}

const NO_SOURCE: IrcSource = Object.freeze({ nick: '', raw: '' });

/**
 * Routes `IrcMessage` frames by command, numerics included (`@OnCommand('433')`), passing the
 * message's source first, then its parameters: `@OnCommand('PRIVMSG') said(from: IrcSource,
 * target: string, text: string)`. A client's router; a message without a prefix has a source
 * with an empty nick.
 */
export function ircEvents(replies: Partial<RouterReplies> = {}): Router<IrcMessage> {
  return routeBy<IrcMessage>(
    (message) => message.command,
    (message) => [message.prefix === undefined ? NO_SOURCE : parseSource(message.prefix), ...message.params],
    { caseInsensitive: true, replies },
  );
}
