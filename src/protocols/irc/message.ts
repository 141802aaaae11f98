/**
 * IRC messages as values users build and match on (RFC 1459 section 2.3, RFC 2812 section 2.3):
 * an optional prefix (the source), a command (a word, or a three-digit numeric) and up to 15
 * parameters, the last of which may hold spaces (the "trailing" parameter). Which parameter is
 * written with a ':' is the serializer's business, not the value's: a message decoded from
 * `PRIVMSG #a :hi` and one built as `ircMessage('PRIVMSG', '#a', 'hi')` are equal.
 */
export interface IrcMessage {
  /** The source (`nick!user@host` or a server name), without the leading ':'; undefined when absent. */
  readonly prefix?: string;
  /** The command as sent (`PRIVMSG`, `privmsg`) or a numeric (`001`); the router matches it case-insensitively. */
  readonly command: string;
  /** The parameters in order, the trailing one (if any) last, without its ':'. */
  readonly params: readonly string[];
}

/** RFC 2812: at most 15 parameters. */
export const MAX_PARAMS = 15;

/** A message without a prefix (what a client sends): `ircMessage('JOIN', '#torsion')`. */
export function ircMessage(command: string, ...params: string[]): IrcMessage {
  return { command, params };
}

/** A message with a source: `fromSource('irc.example.test', '001', 'ann', 'Welcome')`. */
export function fromSource(prefix: string, command: string, ...params: string[]): IrcMessage {
  return { prefix, command, params };
}

/** The parts of a `nick!user@host` prefix; a server name is a `nick` without user and host. */
export interface IrcSource {
  /** The nickname (or the server name when the prefix has no '!' nor '@'). */
  readonly nick: string;
  /** The user name after '!', when present. */
  readonly user?: string;
  /** The host after '@', when present. */
  readonly host?: string;
  /** The prefix as it came. */
  readonly raw: string;
}

/** Splits a prefix into nick, user and host (`ann!a@host` -> { nick: 'ann', user: 'a', host: 'host' }). */
export function parseSource(prefix: string): IrcSource {
  const at = prefix.indexOf('@');
  const beforeHost = at === -1 ? prefix : prefix.slice(0, at);
  const bang = beforeHost.indexOf('!');
  return {
    nick: bang === -1 ? beforeHost : beforeHost.slice(0, bang),
    ...(bang === -1 ? {} : { user: beforeHost.slice(bang + 1) }),
    ...(at === -1 ? {} : { host: prefix.slice(at + 1) }),
    raw: prefix,
  };
}

/** True for a three-digit numeric reply (`001`, `433`). */
export function isNumeric(command: string): boolean {
  return command.length === 3 && isDigit(command.charCodeAt(0)) && isDigit(command.charCodeAt(1)) && isDigit(command.charCodeAt(2));
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** True for a channel name as this package serves them: it starts with '#' or '&'. */
export function isChannelName(name: string): boolean {
  const first = name.charCodeAt(0);
  return first === 0x23 /* # */ || first === 0x26 /* & */;
}
