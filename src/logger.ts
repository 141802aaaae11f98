import { format } from 'node:util';

/**
 * The logging contract, injectable by type (`constructor(private log: Logger)`). It is the
 * shape of pino's logger, so a pino instance can be provided as-is:
 * `bootstrap(AppModule, { logger: pino() })`. Calls take an optional object of fields first:
 * `log.info({ port }, 'listening')` or `log.info('listening on %d', port)`.
 */
export abstract class Logger {
  /**
   * Finest detail, off unless asked for (torsion itself writes none). `objOrMsg` is a fields object, an Error, or the message (a `util.format` format string, with `msg` and `args` its arguments).
   */
  abstract trace(objOrMsg: unknown, msg?: string, ...args: unknown[]): void;
  /** Detail for diagnosing a problem (torsion itself writes none). Arguments as for `trace`. */
  abstract debug(objOrMsg: unknown, msg?: string, ...args: unknown[]): void;
  /** Normal operation worth a line: a listener bound, a client connected. Arguments as for `trace`. */
  abstract info(objOrMsg: unknown, msg?: string, ...args: unknown[]): void;
  /**
   * Something went wrong for one peer or one message and was handled (an undecodable frame, a failed handshake). Arguments as for `trace`.
   */
  abstract warn(objOrMsg: unknown, msg?: string, ...args: unknown[]): void;
  /** A failure the application should look at: a handler threw and its connection closes, accepting failed, an `@OnClose` failed. Arguments as for `trace`. */
  abstract error(objOrMsg: unknown, msg?: string, ...args: unknown[]): void;
  /** A logger that adds `bindings` (e.g. the connection id and peer) to every line. */
  abstract child(bindings: Record<string, unknown>): Logger;
}

/** Severities, lowest first, with pino's names; a logger set to a level drops records below it, and 'silent' drops all. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, silent: 100 };

/** Options of `new ConsoleLogger()`; every one has a default. */
export interface ConsoleLoggerOptions {
  /** Default: $TORSION_LOG_LEVEL, else 'info'. */
  level?: LogLevel;
  /** Fields written on every line (`child()` adds to them). Default none. */
  bindings?: Record<string, unknown>;
  /** Where lines go; default process.stderr. */
  write?: (line: string) => void;
}

/** A level of an actual record (what `LogLevel` names, but 'silent'). */
export type RecordLevel = Exclude<LogLevel, 'silent'>;

/**
 * The shared half of torsion's loggers: the five level methods, and reading pino-style
 * arguments (`(fields, msg, ...args)` or `(msg, ...args)`, an Error as `{ err }`) into one
 * message and its fields. A subclass says which levels it keeps and where a record goes.
 */
export abstract class RecordingLogger extends Logger {
  /** @param bindings - Fields added to every record (a call's own fields win over them). */
  protected constructor(protected readonly bindings: Readonly<Record<string, unknown>>) {
    super();
  }

  /** {@inheritDoc torsion!Logger.trace} */
  trace(objOrMsg: unknown, msg?: string, ...args: unknown[]): void {
    this.entry('trace', objOrMsg, msg, args);
  }
  /** {@inheritDoc torsion!Logger.debug} */
  debug(objOrMsg: unknown, msg?: string, ...args: unknown[]): void {
    this.entry('debug', objOrMsg, msg, args);
  }
  /** {@inheritDoc torsion!Logger.info} */
  info(objOrMsg: unknown, msg?: string, ...args: unknown[]): void {
    this.entry('info', objOrMsg, msg, args);
  }
  /** {@inheritDoc torsion!Logger.warn} */
  warn(objOrMsg: unknown, msg?: string, ...args: unknown[]): void {
    this.entry('warn', objOrMsg, msg, args);
  }
  /** {@inheritDoc torsion!Logger.error} */
  error(objOrMsg: unknown, msg?: string, ...args: unknown[]): void {
    this.entry('error', objOrMsg, msg, args);
  }

  /** Whether records at `level` are kept at all (checked before anything is formatted). */
  protected enabled(_level: RecordLevel): boolean {
    return true;
  }

  /** One record: its formatted message and its fields (the bindings plus what the call passed). */
  protected abstract record(level: RecordLevel, message: string, fields: Readonly<Record<string, unknown>>): void;

  private entry(level: RecordLevel, objOrMsg: unknown, msg: string | undefined, args: unknown[]): void {
    if (!this.enabled(level)) return;
    if (typeof objOrMsg === 'string') {
      this.record(level, format(objOrMsg, ...(msg === undefined ? args : [msg, ...args])), this.bindings);
      return;
    }
    const passed = objOrMsg instanceof Error ? { err: objOrMsg } : (objOrMsg as Record<string, unknown> | undefined);
    this.record(level, msg === undefined ? '' : format(msg, ...args), { ...this.bindings, ...passed });
  }
}

/** The default logger: one line per event, `LEVEL message key=value...`, to stderr. */
export class ConsoleLogger extends RecordingLogger {
  /**
   * Records below this level are dropped before they are formatted: `options.level`, else $TORSION_LOG_LEVEL when it names a level, else 'info'.
   */
  readonly level: LogLevel;
  private readonly rank: number;
  private readonly out: (line: string) => void;

  constructor(options: ConsoleLoggerOptions = {}) {
    super(options.bindings ?? {});
    const envLevel = process.env.TORSION_LOG_LEVEL as LogLevel | undefined;
    this.level = options.level ?? (envLevel && envLevel in RANK ? envLevel : 'info');
    this.rank = RANK[this.level];
    this.out = options.write ?? ((line) => process.stderr.write(line));
  }

  /** A ConsoleLogger with the same level and output whose lines carry this logger's bindings plus `bindings` (the latter win). */
  child(bindings: Record<string, unknown>): Logger {
    return new ConsoleLogger({ level: this.level, bindings: { ...this.bindings, ...bindings }, write: this.out });
  }

  protected override enabled(level: RecordLevel): boolean {
    return RANK[level] >= this.rank;
  }

  protected record(level: RecordLevel, message: string, fields: Readonly<Record<string, unknown>>): void {
    let line = `${level.toUpperCase()} ${message}`;
    for (const key of Object.keys(fields)) line += ` ${key}=${show(fields[key])}`;
    this.out(line + '\n');
  }
}

function show(value: unknown): string {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    // OpenSSL's messages end with a newline; a record is one line.
    const message = value.message.trimEnd();
    return JSON.stringify(code ? `${value.name} [${String(code)}]: ${message}` : `${value.name}: ${message}`);
  }
  if (typeof value === 'string') return /^[\w.:/@-]*$/.test(value) ? value : JSON.stringify(value);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** A logger that writes nothing (for tests and benchmarks). */
export const silentLogger: Logger = new ConsoleLogger({ level: 'silent' });
