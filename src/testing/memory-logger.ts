import { RecordingLogger, type Logger, type LogLevel } from '../logger';

/** One line logged to a `MemoryLogger`. */
export interface LogRecord {
  /** The level it was logged at. */
  readonly level: Exclude<LogLevel, 'silent'>;
  /** The formatted message. */
  readonly msg: string;
  /** Bindings of the (child) logger plus the fields passed with the call (`err`, `conn`...). */
  readonly fields: Readonly<Record<string, unknown>>;
}

/**
 * A `Logger` that keeps every record in memory instead of printing, so a test can assert that a
 * failure was logged (and a passing run prints nothing). Children share their parent's records.
 * The default logger of `createTestingApp`, reachable as `t.logs`.
 *
 * @example
 * expect(t.logs.records.some((r) => r.level === 'error' && r.fields.err instanceof HandlerError)).toBe(true);
 */
export class MemoryLogger extends RecordingLogger {
  constructor(
    /** Every record logged through this logger or its children, oldest first. */
    readonly records: LogRecord[] = [],
    bindings: Readonly<Record<string, unknown>> = {},
  ) {
    super(bindings);
  }

  /** A logger adding `bindings` to its records, which land in the same `records` array. */
  child(bindings: Record<string, unknown>): Logger {
    return new MemoryLogger(this.records, { ...this.bindings, ...bindings });
  }

  /** Records at `level` or above (e.g. `at('warn')` gives warnings and errors). */
  at(level: Exclude<LogLevel, 'silent'>): LogRecord[] {
    const min = RANK[level];
    return this.records.filter((r) => RANK[r.level] >= min);
  }

  /** Forgets every record (of this logger and its children). */
  clear(): void {
    this.records.length = 0;
  }

  protected record(level: LogRecord['level'], msg: string, fields: Readonly<Record<string, unknown>>): void {
    this.records.push({ level, msg, fields });
  }
}

const RANK: Record<LogRecord['level'], number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50 };
