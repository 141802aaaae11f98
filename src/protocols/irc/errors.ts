import { TorsionError } from '../../errors';

/**
 * A message that cannot be written as one IRC line: a parameter holding CR, LF or NUL (which
 * would inject a line of the peer's choosing), a middle parameter that is empty, holds a space
 * or starts with ':', more than 15 parameters, an empty or malformed command or prefix. Thrown by
 * the codec's `encode` instead of writing anything. Code `TORSION_ERR_IRC_MESSAGE`.
 */
export class IrcMessageError extends TorsionError {
  constructor(
    message: string,
    /** What is wrong: 'prefix', 'command', 'param' or 'params'. */
    readonly part: 'prefix' | 'command' | 'param' | 'params',
    /** The parameter's index, for a bad parameter. */
    readonly index?: number,
  ) {
    super('TORSION_ERR_IRC_MESSAGE', message);
    this.name = 'IrcMessageError';
  }
}

/**
 * A numeric error reply for the client (`403 #nope :No such channel`), thrown by the server's
 * commands and turned into an addressed line by its exception filter (`@Catch(IrcNumericError)`):
 * the filter knows the server name and the client's nick, the command does not need to.
 * Code `TORSION_ERR_IRC_NUMERIC`.
 */
export class IrcNumericError extends TorsionError {
  /** The parameters after the client's nick, the text last. */
  readonly params: readonly string[];

  constructor(
    /** The three-digit numeric, e.g. '403'. */
    readonly numeric: string,
    ...params: string[]
  ) {
    super('TORSION_ERR_IRC_NUMERIC', `${numeric} ${params.join(' ')}`);
    this.name = 'IrcNumericError';
    this.params = params;
  }
}
