import { respError } from './resp-reply';
import { quoteCommand, type Router, type RouterOptions, type RouterReplies } from './router';

/** The default replies of `respCommand()`: RESP errors worded as Redis words them. */
export const RESP_REPLIES: RouterReplies = {
  unknown: (command) => respError(command === undefined ? 'ERR no command' : `ERR unknown command '${quoteCommand(command)}'`),
  arity: (command) => respError(`ERR wrong number of arguments for '${quoteCommand(command).toLowerCase()}' command`),
  sequence: (command) => respError(`ERR '${quoteCommand(command).toLowerCase()}' is not allowed in this state`),
  forbidden: (command) => respError(`NOPERM this user has no permissions to run the '${quoteCommand(command).toLowerCase()}' command`),
};

/**
 * `respCommand()`: a RESP request's first element is the command (case-insensitive, as Redis),
 * the rest its arguments: `SET k v` reaches `@OnCommand('SET') set(key, value, ...rest)`.
 * Arguments are what the codec's `output` makes them (Buffers, strings, byte strings).
 */
export class RespCommandRouter implements Router<ReadonlyArray<Buffer | string>> {
  /** {@inheritDoc Router.name} */
  readonly name = 'respCommand';
  /** {@inheritDoc Router.caseInsensitive} */
  readonly caseInsensitive: boolean;
  /** {@inheritDoc Router.state} */
  readonly state: string | undefined;
  /** {@inheritDoc Router.replies} */
  readonly replies: RouterReplies;

  constructor(options: RouterOptions = {}) {
    this.caseInsensitive = options.caseInsensitive ?? true;
    this.state = options.state;
    this.replies = { ...RESP_REPLIES, ...options.replies };
  }

  /** {@inheritDoc Router.key} */
  key(frame: ReadonlyArray<Buffer | string>): string | undefined {
    const first = frame[0];
    if (first === undefined) return undefined;
    return typeof first === 'string' ? first : first.toString('latin1');
  }

  /** {@inheritDoc Router.args} */
  args(frame: ReadonlyArray<Buffer | string>): unknown[] {
    return frame.slice(1);
  }
}

/** Routes RESP requests by their first element; the default router of `resp()`. */
export function respCommand(options?: RouterOptions): Router<ReadonlyArray<Buffer | string>> {
  return new RespCommandRouter(options);
}
