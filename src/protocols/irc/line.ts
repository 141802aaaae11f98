import { FrameError } from '../../errors';
import { IrcMessageError } from './errors';
import { MAX_PARAMS, type IrcMessage } from './message';

/**
 * One IRC line <-> one `IrcMessage`, without the line ending (the codec frames lines).
 *
 *   message  = [ ":" prefix SPACE ] command [ params ]
 *   params   = *14( SPACE middle ) [ SPACE ":" trailing ]
 *            / 14( SPACE middle ) [ SPACE [ ":" ] trailing ]
 *
 * Reading is lenient where servers and clients are (runs of spaces separate parameters, a
 * trailing space is ignored, IRCv3 `@tags` are skipped); writing is strict, so that nothing a
 * peer sent can make us write a line it did not mean (see `formatIrcLine`).
 */

const SPACE = 0x20;
const COLON = 0x3a;

/** Parses one line (no CR/LF); throws a `FrameError` when it has no command. */
export function parseIrcLine(line: string): IrcMessage {
  let i = 0;
  const n = line.length;
  if (line.indexOf('\0') !== -1 || line.indexOf('\r') !== -1) throw new FrameError('an IRC line may not hold NUL or CR');
  // IRCv3 message tags: this package negotiates no capability, so a tagged line only comes from
  // a peer that sends them anyway; they are skipped, the message is kept.
  if (line.charCodeAt(0) === 0x40 /* @ */) {
    i = line.indexOf(' ');
    if (i === -1) throw new FrameError('an IRC line with tags and no command');
  }
  while (i < n && line.charCodeAt(i) === SPACE) i++;
  let prefix: string | undefined;
  if (line.charCodeAt(i) === COLON) {
    const end = line.indexOf(' ', i);
    if (end === -1 || end === i + 1) throw new FrameError('an IRC line with a prefix and no command');
    prefix = line.slice(i + 1, end);
    i = end;
    while (i < n && line.charCodeAt(i) === SPACE) i++;
  }
  let end = line.indexOf(' ', i);
  if (end === -1) end = n;
  if (end === i) throw new FrameError('an IRC line without a command');
  const command = line.slice(i, end);
  const params: string[] = [];
  i = end;
  while (i < n) {
    while (i < n && line.charCodeAt(i) === SPACE) i++;
    if (i === n) break;
    if (line.charCodeAt(i) === COLON) {
      params.push(line.slice(i + 1));
      break;
    }
    if (params.length === MAX_PARAMS - 1) {
      params.push(line.slice(i)); // RFC 2812: the 15th parameter is the rest, ':' or not
      break;
    }
    end = line.indexOf(' ', i);
    if (end === -1) end = n;
    params.push(line.slice(i, end));
    i = end;
  }
  return prefix === undefined ? { command, params } : { prefix, command, params };
}

/** A character that may never be written inside a prefix, command or parameter. */
function forbidden(text: string): boolean {
  return text.indexOf('\r') !== -1 || text.indexOf('\n') !== -1 || text.indexOf('\0') !== -1;
}

function isWord(command: string): boolean {
  if (command.length === 0) return false;
  for (let i = 0; i < command.length; i++) {
    const c = command.charCodeAt(i);
    const letter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    const digit = c >= 0x30 && c <= 0x39;
    if (!letter && !digit) return false;
  }
  return true;
}

/**
 * The line for `message`, without CRLF. Throws an `IrcMessageError` rather than write a line
 * that would read back as something else: CR, LF or NUL anywhere (an injected line), a command
 * that is not letters or digits, a prefix that is empty or holds a space, a middle parameter
 * that is empty, holds a space or starts with ':', more than 15 parameters. The last parameter
 * gets its ':' only when it needs one (empty, a space, a leading ':').
 */
export function formatIrcLine(message: IrcMessage): string {
  const { prefix, command, params } = message;
  if (typeof command !== 'string' || !isWord(command)) {
    throw new IrcMessageError(`an IRC command is letters or digits, got ${JSON.stringify(String(command)).slice(0, 40)}`, 'command');
  }
  if (!Array.isArray(params)) throw new IrcMessageError('an IRC message needs a params array', 'params');
  if (params.length > MAX_PARAMS) throw new IrcMessageError(`an IRC message has at most ${MAX_PARAMS} parameters, got ${params.length}`, 'params');
  let line = command;
  if (prefix !== undefined) {
    if (typeof prefix !== 'string' || prefix.length === 0 || prefix.indexOf(' ') !== -1 || forbidden(prefix)) {
      throw new IrcMessageError('an IRC prefix is a non-empty word without CR, LF or NUL', 'prefix');
    }
    line = `:${prefix} ${command}`;
  }
  const last = params.length - 1;
  for (let i = 0; i <= last; i++) {
    const param = params[i];
    if (typeof param !== 'string') throw new IrcMessageError(`IRC parameter #${i} is not a string`, 'param', i);
    if (forbidden(param)) throw new IrcMessageError(`IRC parameter #${i} holds CR, LF or NUL: it would inject a line`, 'param', i);
    const needsColon = param.length === 0 || param.charCodeAt(0) === COLON || param.indexOf(' ') !== -1;
    if (i < last) {
      if (needsColon) throw new IrcMessageError(`IRC parameter #${i} is not the last one, so it may not be empty, hold a space or start with ':'`, 'param', i);
      line += ` ${param}`;
    } else {
      line += needsColon ? ` :${param}` : ` ${param}`;
    }
  }
  return line;
}
