/**
 * `torsion/irc`: IRC for torsion (Twisted's twisted.words): the line codec and message values
 * (RFC 1459 / 2812 grammar), a configurable IRC server module, and a client base for bots.
 */
export { ircLines, IrcCodec, type IrcCodecOptions } from './codec';
export { parseIrcLine, formatIrcLine } from './line';
export { ircMessage, fromSource, parseSource, isNumeric, isChannelName, MAX_PARAMS, type IrcMessage, type IrcSource } from './message';
export { IrcMessageError, IrcNumericError } from './errors';
