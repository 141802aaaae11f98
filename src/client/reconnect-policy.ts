import type { ReconnectOptions } from '../decorators/options';
import { OptionError } from '../errors';

/** A validated reconnect policy: how long to wait after `failures` consecutive failed attempts. */
export class ReconnectPolicy {
  /** Wait before the first retry, and after a connection that was up drops, in ms of the reactor clock (default 500). */
  readonly initialDelayMs: number;
  /** Cap of every wait, ms (default the larger of 30 s and `initialDelayMs`). */
  readonly maxDelayMs: number;
  /** Growth of the wait per consecutive failure, at least 1 (default 2). */
  readonly factor: number;
  /** Random spread of each wait as a fraction of it, 0 to 1 (default 0.1: ±10%). */
  readonly jitter: number;
  /** Consecutive failed attempts retried before the client gives up (default Infinity). */
  readonly maxRetries: number;

  constructor(options: ReconnectOptions = {}) {
    this.initialDelayMs = options.initialDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? Math.max(30_000, this.initialDelayMs);
    this.factor = options.factor ?? 2;
    this.jitter = options.jitter ?? 0.1;
    this.maxRetries = options.maxRetries ?? Infinity;
    if (!Number.isFinite(this.initialDelayMs) || this.initialDelayMs < 0) throw new OptionError(`reconnect initialDelayMs must be a finite number >= 0, got ${this.initialDelayMs}`);
    if (!Number.isFinite(this.maxDelayMs) || this.maxDelayMs < this.initialDelayMs) {
      throw new OptionError(`reconnect maxDelayMs (${this.maxDelayMs}) must be finite and at least initialDelayMs (${this.initialDelayMs})`);
    }
    if (!Number.isFinite(this.factor) || this.factor < 1) throw new OptionError(`reconnect factor must be a finite number >= 1, got ${this.factor}`);
    if (!(this.jitter >= 0 && this.jitter <= 1)) throw new OptionError(`reconnect jitter must be a fraction from 0 to 1, got ${this.jitter}`);
    if (!(this.maxRetries === Infinity || (Number.isInteger(this.maxRetries) && this.maxRetries >= 0))) {
      throw new OptionError(`reconnect maxRetries must be an integer >= 0 (or Infinity), got ${this.maxRetries}`);
    }
  }

  /** True when another attempt is allowed after `failures` consecutive failures. */
  retries(failures: number): boolean {
    return failures <= this.maxRetries;
  }

  /**
   * Wait before the next attempt: initialDelayMs * factor^(failures - 1), capped at maxDelayMs,
   * spread by ±jitter. `failures` 0 (a connection that was up dropped) waits initialDelayMs.
   * `random` returns [0, 1) (Math.random by default; tests pass a fixed one).
   */
  delay(failures: number, random: () => number = Math.random): number {
    const base = Math.min(this.maxDelayMs, this.initialDelayMs * this.factor ** Math.max(0, failures - 1));
    const spread = base * this.jitter * (2 * random() - 1);
    return Math.round(Math.min(this.maxDelayMs, Math.max(0, base + spread)));
  }
}
