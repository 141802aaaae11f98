import type { Logger } from '../logger';
import type { Clock } from './clock';
import { OptionError } from '../errors';

/** How many log records of one kind are written per window; the rest are counted, then summarised. */
export interface LogRateLimit {
  /** Records of one kind written per window (default 20). */
  perWindow?: number;
  /** The window, in ms of the reactor clock (default 10 s). */
  windowMs?: number;
}

interface KindState {
  windowStart: number;
  written: number;
  suppressed: number;
}

/**
 * @internal
 * Rate-limits what peers can make us log (a bad datagram, a failed TLS handshake, an undecodable
 * frame): without it an attacker decides how much we write (one WARN per bad datagram was 44,298
 * lines, 8.7 MB in 4 s). Per kind, `perWindow` records are written in each window; the others are
 * counted and reported as one "suppressed N" line when the next window begins or the application
 * closes, as nginx and ircds do. Kinds are a fixed set of names in torsion's code, so the table
 * is bounded.
 */
export class LogLimiter {
  private readonly kinds = new Map<string, KindState>();
  /** Records of one kind written per window (Infinity when rate limiting is off). */
  readonly perWindow: number;
  /** The window, in ms of the reactor clock (Infinity when rate limiting is off). */
  readonly windowMs: number;

  constructor(
    private readonly logger: Logger,
    private readonly clock: Clock,
    options: LogRateLimit | false = {},
  ) {
    this.perWindow = options === false ? Infinity : options.perWindow ?? 20;
    this.windowMs = options === false ? Infinity : options.windowMs ?? 10_000;
    if (!(this.perWindow === Infinity || (Number.isInteger(this.perWindow) && this.perWindow >= 1))) {
      throw new OptionError(`logRateLimit.perWindow must be a positive integer, got ${String(this.perWindow)}`);
    }
    if (!(this.windowMs > 0)) throw new OptionError(`logRateLimit.windowMs must be a positive number, got ${String(this.windowMs)}`);
  }

  /** True when a record of `kind` may be written now; false when it is counted as suppressed. */
  allow(kind: string): boolean {
    if (this.perWindow === Infinity) return true;
    const now = this.clock.now();
    let state = this.kinds.get(kind);
    if (state === undefined) {
      state = { windowStart: now, written: 0, suppressed: 0 };
      this.kinds.set(kind, state);
    } else if (now - state.windowStart >= this.windowMs) {
      this.summarise(kind, state, now);
      state.windowStart = now;
      state.written = 0;
    }
    if (state.written < this.perWindow) {
      state.written++;
      return true;
    }
    state.suppressed++;
    return false;
  }

  /** Reports every count not yet reported (the application is closing). */
  flush(): void {
    const now = this.clock.now();
    for (const [kind, state] of this.kinds) this.summarise(kind, state, now);
  }

  private summarise(kind: string, state: KindState, now: number): void {
    if (state.suppressed === 0) return;
    const seconds = Math.max(0, Math.round((now - state.windowStart) / 1000));
    this.logger.warn({ kind, suppressed: state.suppressed }, `suppressed ${state.suppressed} more '${kind}' messages in the last ${seconds} s`);
    state.suppressed = 0;
  }
}
