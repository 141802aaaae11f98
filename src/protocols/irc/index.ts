/**
 * `torsion/irc`: IRC for torsion (Twisted's twisted.words): the line codec and message values
 * (RFC 1459 / 2812 grammar), a configurable IRC server module, and a client base for bots.
 *
 * @module torsion/irc
 */
export { ircLines, IrcCodec, type IrcCodecOptions } from './codec';
export { parseIrcLine, formatIrcLine } from './line';
export { ircMessage, fromSource, parseSource, isNumeric, isChannelName, MAX_PARAMS, type IrcMessage, type IrcSource } from './message';
export { IrcMessageError, IrcNumericError } from './errors';
export { ircFold, ircEquals } from './casemap';
export { ircCommands, ircEvents } from './router';
export * from './numerics';
export { IrcServerModule, type IrcServerModuleOptions } from './server/module';
export { IrcSession } from './server/session';
export { IrcNetwork } from './server/network';
export { fitBytes } from './text';
export { IrcUser, IrcChannel, type Membership } from './server/state';
export { IrcNumericReplies, FloodControl, IrcFloodFilter, IrcFloodError, type HasUser, type FloodState } from './server/filters';
export {
  DEFAULT_IRC_SERVER_OPTIONS, IRC_SERVER_OPTIONS, IRC_SERVER_PROTOCOL_OPTIONS, IRC_GROUPS, ircServerProtocolOptions, ircWriteHighWaterMark, resolveIrcServerOptions,
  type IrcServerOptions, type IrcFloodOptions,
} from './server/options';
export { IRC_SERVER_VERSION } from './server/welcome';
export { IrcClient, IrcBot, alternativeNick, type IrcClientOptions } from './client/client';
