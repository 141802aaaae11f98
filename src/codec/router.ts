/**
 * Routers: how a command protocol's frame becomes a route key (the command) and the handler's
 * arguments. `@Protocol({ router })` names one; `@OnCommand('MAIL')` handlers are chosen by its
 * key through one Map built at bootstrap. A router is stateless and shared by every connection.
 */
import { firstWord, wordsAfterFirst } from './words';

/**
 * What a router answers by itself, without reaching a handler, as reply values for the
 * protocol's codec. Each may be replaced through the router's options (`replies`).
 */
export interface RouterReplies {
  /**
   * No route for `command` (undefined: the frame carries none, e.g. a blank line), and the
   * protocol has neither `@OnUnknownCommand` nor `@OnData` to take it.
   * Every reply also gets the frame last, for protocols whose replies quote it (IMAP's tag).
   */
  unknown(command: string | undefined, frame?: unknown): unknown;
  /** The route's `minArgs` / `maxArgs` check failed: `count` arguments came. */
  arity(command: string, count: number, frame?: unknown): unknown;
  /** The route's `when` condition does not hold in the connection's state (SMTP's `503 bad sequence`). */
  sequence(command: string, frame?: unknown): unknown;
  /** A guard denied the frame and no exception filter answered the `ForbiddenError`. */
  forbidden(command: string, frame?: unknown): unknown;
}

/**
 * Turns a frame into a route key and arguments. `key` and `args` are two calls rather than one
 * returning a pair, so routing allocates nothing but the arguments array.
 *
 * @typeParam F the frame type of the protocol's codec.
 */
export interface Router<F = any> {
  /** Short name for errors, e.g. "words". */
  readonly name: string;
  /**
   * True: keys match routes whatever their case (routes are stored upper-cased, and a key is
   * upper-cased only when it does not match as sent).
   */
  readonly caseInsensitive: boolean;
  /**
   * The protocol instance's field holding its state (e.g. `'phase'`), which
   * `@OnCommand(c, { when: 'rcpt' })` compares with; undefined when routes use predicates only.
   */
  readonly state: string | undefined;
  /** The router's own replies: unknown command, wrong arity, bad sequence, forbidden. */
  readonly replies: RouterReplies;
  /** The frame's route key (the command), or undefined when it has none. */
  key(frame: F): string | undefined;
  /** The handler's arguments, spread into its parameters; a fresh array per frame. */
  args(frame: F): unknown[];
}

/** Options every built-in router takes. */
export interface RouterOptions {
  /** Match commands whatever their case; default true for `words()` and `respCommand()`, false otherwise. */
  caseInsensitive?: boolean;
  /** The protocol's state field read by `@OnCommand(c, { when })` (see `Router.state`). */
  state?: string;
  /** Replaces some of the router's default replies. */
  replies?: Partial<RouterReplies>;
}

/** At most this much of a peer's command is quoted in a default reply, control characters replaced. */
const QUOTED = 64;

/** A peer-sent command made safe to quote in a reply: no CR/LF or other control bytes, bounded. */
export function quoteCommand(command: string | undefined): string {
  if (command === undefined) return '';
  const cut = command.length > QUOTED ? `${command.slice(0, QUOTED)}...` : command;
  // eslint-disable-next-line no-control-regex
  return cut.replace(/[\x00-\x1f\x7f]/g, '?');
}

/** The default replies as plain text lines (for `lines()` and other text codecs). */
export const TEXT_REPLIES: RouterReplies = {
  unknown: (command) => (command === undefined ? 'ERR no command' : `ERR unknown command '${quoteCommand(command)}'`),
  arity: (command) => `ERR wrong number of arguments for '${quoteCommand(command)}'`,
  sequence: (command) => `ERR bad sequence of commands: '${quoteCommand(command)}' not allowed now`,
  forbidden: (command) => `ERR forbidden: '${quoteCommand(command)}'`,
};

abstract class BaseRouter<F> implements Router<F> {
  abstract readonly name: string;
  readonly caseInsensitive: boolean;
  readonly state: string | undefined;
  readonly replies: RouterReplies;

  constructor(options: RouterOptions, caseInsensitive: boolean, replies: RouterReplies) {
    this.caseInsensitive = options.caseInsensitive ?? caseInsensitive;
    this.state = options.state;
    this.replies = { ...replies, ...options.replies };
  }

  abstract key(frame: F): string | undefined;
  abstract args(frame: F): unknown[];
}

/** `words()`: the first word of a text line is the command, the following words its arguments. */
export class WordsRouter extends BaseRouter<string | Buffer> {
  /** {@inheritDoc Router.name} */
  readonly name = 'words';

  /** {@inheritDoc Router.key} */
  key(frame: string | Buffer): string | undefined {
    const line = typeof frame === 'string' ? frame : frame.toString();
    return firstWord(line);
  }

  /** {@inheritDoc Router.args} */
  args(frame: string | Buffer): string[] {
    const line = typeof frame === 'string' ? frame : frame.toString();
    return wordsAfterFirst(line);
  }
}

/**
 * Routes text lines by their first word (spaces and tabs separate words; runs of them count as
 * one), case-insensitive by default: `MAIL FROM:<a@b>` reaches `@OnCommand('MAIL')` as
 * `mail(from)`. The default router of `lines()`.
 */
export function words(options: RouterOptions = {}): Router<string | Buffer> {
  return new WordsRouter(options, true, TEXT_REPLIES);
}

/** `field(name)`: a field of a message object (a JSON message's `type`) is the command. */
export class FieldRouter extends BaseRouter<unknown> {
  /** {@inheritDoc Router.name} */
  readonly name = 'field';

  constructor(
    /** The message field holding the command. */
    readonly field: string,
    /** The message field holding an array spread as the arguments; undefined: the message itself is the one argument. */
    readonly argsField: string | undefined,
    options: RouterOptions,
  ) {
    super(options, false, JSON_REPLIES);
  }

  /** {@inheritDoc Router.key} */
  key(frame: unknown): string | undefined {
    if (frame === null || typeof frame !== 'object') return undefined;
    const value = (frame as Record<string, unknown>)[this.field];
    return typeof value === 'string' ? value : undefined;
  }

  /** {@inheritDoc Router.args} */
  args(frame: unknown): unknown[] {
    if (this.argsField === undefined) return [frame];
    const value = frame !== null && typeof frame === 'object' ? (frame as Record<string, unknown>)[this.argsField] : undefined;
    return Array.isArray(value) ? value.slice() : [];
  }
}

/** The default replies of `field()`: JSON objects. */
export const JSON_REPLIES: RouterReplies = {
  unknown: (command) => ({ error: 'unknown command', command: command ?? null }),
  arity: (command, count) => ({ error: 'wrong number of arguments', command, count }),
  sequence: (command) => ({ error: 'bad sequence of commands', command }),
  forbidden: (command) => ({ error: 'forbidden', command }),
};

/** Options of `field()`. */
export interface FieldRouterOptions extends RouterOptions {
  /** A field holding an array, spread as the handler's arguments; default: the message itself is the one argument. */
  args?: string;
}

/**
 * Routes message objects (`jsonLines()`, `datagramJson()`...) by a string field:
 * `field('type')` sends `{"type":"join","room":"a"}` to `@OnCommand('join') join(message)`.
 * Case-sensitive by default; a message without the field (or not an object) is an unknown command.
 * Default replies are objects (`{ error: 'unknown command', command }`).
 */
export function field(name: string, options: FieldRouterOptions = {}): Router<unknown> {
  return new FieldRouter(name, options.args, options);
}

/** `routeBy(key, args)`: a router from two functions. */
export class FunctionRouter<F> extends BaseRouter<F> {
  /** {@inheritDoc Router.name} */
  readonly name = 'routeBy';

  constructor(
    private readonly keyOf: (frame: F) => string | undefined,
    private readonly argsOf: ((frame: F) => unknown[]) | undefined,
    options: RouterOptions,
  ) {
    super(options, false, TEXT_REPLIES);
  }

  /** {@inheritDoc Router.key} */
  key(frame: F): string | undefined {
    return this.keyOf(frame);
  }

  /** {@inheritDoc Router.args} */
  args(frame: F): unknown[] {
    return this.argsOf === undefined ? [frame] : this.argsOf(frame);
  }
}

/**
 * A router from your own functions: `key` finds the command (undefined: none), `args` the
 * handler's arguments (default: the frame itself, as the one argument). Case-sensitive and with
 * text replies by default; pass `replies` for your codec's reply type.
 */
export function routeBy<F>(key: (frame: F) => string | undefined, args?: (frame: F) => unknown[], options: RouterOptions = {}): Router<F> {
  return new FunctionRouter(key, args, options);
}
