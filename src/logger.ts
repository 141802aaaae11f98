import { format } from 'node:util';

/**
 * The logging contract, injectable by type (`constructor(private log: Logger)`). It is the
 * shape of pino's logger, so a pino instance can be provided as-is:
 * `bootstrap(AppModule, { logger: pino() })`. Calls take an optional object of fields first:
 * `log.info({ port }, 'listening')` or `log.info('listening on %d', port)`.
 */
export abstract class Logger {
  abstract trace(objOrMsg: unknown, msg?: string, ...args: unknown[]): void;
  abstract debug(objOrMsg: unknown, msg?: string, ...args: unknown[]): void;
  abstract info(objOrMsg: unknown, msg?: string, ...args: unknown[]): void;
  abstract warn(objOrMsg: unknown, msg?: string, ...args: unknown[]): void;
  abstract error(objOrMsg: unknown, msg?: string, ...args: unknown[]): void;
  /** A logger that adds `bindings` (e.g. the connection id and peer) to every line. */
  abstract child(bindings: Record<string, unknown>): Logger;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, silent: 100 };

export interface ConsoleLoggerOptions {
  /** Default: $TORSION_LOG_LEVEL, else 'info'. */
  level?: LogLevel;
  bindings?: Record<string, unknown>;
  /** Where lines go; default process.stderr. */
  write?: (line: string) => void;
}

/** The default logger: one line per event, `LEVEL message key=value...`, to stderr. */
export class ConsoleLogger extends Logger {
  readonly level: LogLevel;
  private readonly rank: number;
  private readonly bindings: Record<string, unknown>;
  private readonly out: (line: string) => void;

  constructor(options: ConsoleLoggerOptions = {}) {
    super();
    const envLevel = process.env.TORSION_LOG_LEVEL as LogLevel | undefined;
    this.level = options.level ?? (envLevel && envLevel in RANK ? envLevel : 'info');
    this.rank = RANK[this.level];
    this.bindings = options.bindings ?? {};
    this.out = options.write ?? ((line) => process.stderr.write(line));
  }

  trace(objOrMsg: unknown, msg?: string, ...args: unknown[]): void {
    this.log('trace', objOrMsg, msg, args);
  }
  debug(objOrMsg: unknown, msg?: string, ...args: unknown[]): void {
    this.log('debug', objOrMsg, msg, args);
  }
  info(objOrMsg: unknown, msg?: string, ...args: unknown[]): void {
    this.log('info', objOrMsg, msg, args);
  }
  warn(objOrMsg: unknown, msg?: string, ...args: unknown[]): void {
    this.log('warn', objOrMsg, msg, args);
  }
  error(objOrMsg: unknown, msg?: string, ...args: unknown[]): void {
    this.log('error', objOrMsg, msg, args);
  }

  child(bindings: Record<string, unknown>): Logger {
    return new ConsoleLogger({ level: this.level, bindings: { ...this.bindings, ...bindings }, write: this.out });
  }

  private log(level: LogLevel, objOrMsg: unknown, msg: string | undefined, args: unknown[]): void {
    if (RANK[level] < this.rank) return;
    let fields: Record<string, unknown> = this.bindings;
    let text: string;
    if (typeof objOrMsg === 'string') {
      text = format(objOrMsg, ...(msg === undefined ? args : [msg, ...args]));
    } else {
      fields = { ...this.bindings, ...(objOrMsg instanceof Error ? { err: objOrMsg } : (objOrMsg as object)) };
      text = msg === undefined ? '' : format(msg, ...args);
    }
    let line = `${level.toUpperCase()} ${text}`;
    for (const key of Object.keys(fields)) line += ` ${key}=${show(fields[key])}`;
    this.out(line + '\n');
  }
}

function show(value: unknown): string {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return JSON.stringify(code ? `${value.name} [${String(code)}]: ${value.message}` : `${value.name}: ${value.message}`);
  }
  if (typeof value === 'string') return /^[\w.:/@-]*$/.test(value) ? value : JSON.stringify(value);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** A logger that writes nothing (for tests and benchmarks). */
export const silentLogger: Logger = new ConsoleLogger({ level: 'silent' });
