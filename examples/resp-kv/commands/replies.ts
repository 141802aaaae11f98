import { Catch, respError, respSimple, type ExceptionFilter, type RespError, type RespReply } from 'torsion';

/** Replies and argument rules shared by the commands, worded as Redis 7.0 words them. */

export const OK = respSimple('OK');
export const PONG = respSimple('PONG');
export const SYNTAX_ERROR = respError('ERR syntax error');
export const NO_ARRAY: readonly RespReply[] = Object.freeze([]);
export const MIN_INT64 = -(2n ** 63n);
export const MAX_INT64 = 2n ** 63n - 1n;

/**
 * An error reply thrown from anywhere in a command (a helper's argument check, deep in a
 * computation), so nothing has to pass a "failed" value back up: the protocol's exception
 * filter (`RedisErrorReply`) writes it, and the connection goes on, as after any Redis error.
 */
export class RedisError extends Error {}

/** `@UseFilters(RedisErrorReply)`: a thrown `RedisError` becomes its `-ERR ...` reply. */
@Catch(RedisError)
export class RedisErrorReply implements ExceptionFilter<RedisError> {
  catch(error: RedisError): RespError {
    return respError(error.message);
  }
}

const STRICT_INTEGER = /^(?:0|-?[1-9][0-9]{0,19})$/;

/** Redis's string2ll: optional '-', no '+', no spaces, no leading zeros, signed 64-bit; null otherwise. */
export function parseInt64(arg: string | Buffer): bigint | null {
  if (typeof arg !== 'string') arg = arg.toString('latin1');
  if (!STRICT_INTEGER.test(arg)) return null;
  const value = BigInt(arg);
  return value < MIN_INT64 || value > MAX_INT64 ? null : value;
}

/** `parseInt64`, or the Redis error for a non-integer argument. */
export function int64(arg: string | Buffer): bigint {
  const value = parseInt64(arg);
  if (value === null) throw new RedisError('ERR value is not an integer or out of range');
  return value;
}

/** An integer reply: a number while it is exact as one, else the bigint. */
export function integerReply(value: bigint): number | bigint {
  return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
}

/** Like C's `%.*s`: up to the first NUL, at most `max` characters. */
export function cString(arg: string, max: number): string {
  const nul = arg.indexOf('\0');
  return (nul === -1 ? arg : arg.slice(0, nul)).slice(0, max);
}

/** An argument quoted into an error line: C-string cut, no line breaks. */
export function quoted(arg: string): string {
  return cString(arg, 128).replace(/[\r\n]/g, ' ');
}

/** `ERR unknown command 'x', with args beginning with: 'a' 'b' ` (Redis 7.0's commandCheckExistence). */
export function unknownCommand(command: string, args: readonly string[]): RespReply {
  let list = '';
  for (let i = 0; i < args.length && list.length < 128; i++) list += `'${cString(args[i], 128 - list.length)}' `;
  return respError(`ERR unknown command '${cString(command, 128)}', with args beginning with: ${list}`.replace(/[\r\n]/g, ' '));
}

/** `ERR unknown subcommand 'x'. Try CONTAINER HELP.` */
export function unknownSubcommand(sub: string, container: string): RedisError {
  return new RedisError(`ERR unknown subcommand '${quoted(sub)}'. Try ${container} HELP.`);
}

/** `ERR wrong number of arguments for 'container|sub' command` (Redis 7's subcommand arity error). */
export function subcommandArity(container: string, sub: string): RedisError {
  return new RedisError(`ERR wrong number of arguments for '${container}|${sub}' command`);
}
