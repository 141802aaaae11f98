import { inject, injectable, Reactor } from 'torsion';

/** Tuning of the store's active expiry; provide `KV_OPTIONS` to change it. */
export interface KeyValueOptions {
  /** How often the expiry sweep runs, in ms of the reactor clock. Default 100. */
  sweepIntervalMs: number;
  /** Keys with a TTL examined per sweep (bounds the work of one tick). Default 200. */
  sweepBatch: number;
}

/** A value: a string when it is ASCII text, else its bytes (see app.ts). */
export type StoredValue = string | Buffer;

/**
 * A deadline in ms of Unix time: a number while it is exact as one, a bigint beyond 2^53 (Redis
 * accepts deadlines up to 2^63 - 1, and PTTL reports them to the millisecond). Comparisons mix
 * the two exactly.
 */
export type Deadline = number | bigint;

/** What KEYS filters with (a GlobPattern). */
export interface KeyMatcher {
  matches(key: string): boolean;
}

export const KV_OPTIONS = Symbol('KV_OPTIONS');
const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);
export const DEFAULT_KV_OPTIONS: KeyValueOptions = { sweepIntervalMs: 100, sweepBatch: 200 };

/**
 * The keyspace: one per application (a singleton), shared by every connection.
 *
 * Keys are latin1 strings (one character per byte: any byte sequence is a key, and maps back
 * losslessly); values are strings when ASCII, else Buffers copied out of the request (a stored
 * value never pins the socket chunk it arrived in).
 *
 * Expiry works as in Redis: an expired key is deleted when it is next looked at (lazy), and a
 * periodic sweep on the reactor clock (`reactor.every`) deletes those nobody looks at, a bounded
 * batch per tick. Time is Unix ms as Redis counts it (its overflow rules depend on it) but it
 * advances with the reactor clock, so tests move time with a VirtualClock.
 */
@injectable()
export class KeyValueStore {
  private readonly values = new Map<string, StoredValue>();
  /** Deadline (see `now`) of every key that has a TTL. */
  private readonly deadlines = new Map<string, Deadline>();
  /** Where the sweep resumes; Map iterators survive inserts and deletes. */
  private cursor: Iterator<[string, Deadline]> | undefined;
  private readonly sweepBatch: number;
  /** Unix ms at the reactor clock's zero, read once. */
  private readonly epoch: number;

  constructor(
    private readonly reactor: Reactor,
    @inject(KV_OPTIONS) options: KeyValueOptions,
  ) {
    this.sweepBatch = options.sweepBatch;
    this.epoch = Date.now() - Math.floor(reactor.clock.now());
    reactor.every(options.sweepIntervalMs, () => this.sweep());
  }

  /** Whole milliseconds of Unix time, advancing with the reactor clock. */
  now(): number {
    return this.epoch + Math.floor(this.reactor.clock.now());
  }

  get size(): number {
    return this.values.size;
  }

  get(key: string): StoredValue | undefined {
    if (this.deadlines.size !== 0 && this.expireIfDue(key)) return undefined;
    return this.values.get(key);
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Sets `key` and clears its TTL (SET without KEEPTTL). */
  set(key: string, value: StoredValue): void {
    this.values.set(key, value);
    if (this.deadlines.size !== 0) this.deadlines.delete(key);
  }

  /** Replaces the value, keeping any TTL (INCR, SET KEEPTTL). */
  replace(key: string, value: StoredValue): void {
    this.values.set(key, value);
  }

  delete(key: string): boolean {
    if (this.deadlines.size !== 0 && this.expireIfDue(key)) return false;
    this.deadlines.delete(key);
    return this.values.delete(key);
  }

  /** The key's deadline, or undefined when it has none (or does not exist). */
  deadline(key: string): Deadline | undefined {
    return this.deadlines.get(key);
  }

  /** Gives an existing key a deadline; one already past deletes it. */
  expireAt(key: string, at: Deadline): void {
    if (at <= this.now()) {
      this.values.delete(key);
      this.deadlines.delete(key);
    } else {
      this.deadlines.set(key, typeof at === 'bigint' && at <= MAX_EXACT ? Number(at) : at);
    }
  }

  /** Removes the key's TTL; true when it had one. */
  persist(key: string): boolean {
    return this.deadlines.delete(key);
  }

  /** Live keys whose name `matcher` matches (all of them when it is undefined). */
  keys(matcher?: KeyMatcher): string[] {
    const out: string[] = [];
    const now = this.now();
    for (const key of this.values.keys()) {
      const at = this.deadlines.get(key);
      if (at !== undefined && at <= now) {
        this.values.delete(key);
        this.deadlines.delete(key);
        continue;
      }
      if (matcher === undefined || matcher.matches(key)) out.push(key);
    }
    return out;
  }

  flush(): void {
    this.values.clear();
    this.deadlines.clear();
    this.cursor = undefined;
  }

  /** True (having deleted it) when `key` has a deadline that has passed. */
  private expireIfDue(key: string): boolean {
    const at = this.deadlines.get(key);
    if (at === undefined || at > this.now()) return false;
    this.values.delete(key);
    this.deadlines.delete(key);
    return true;
  }

  /** Active expiry: examines up to `sweepBatch` keys with a TTL, resuming where the last tick stopped. */
  private sweep(): void {
    if (this.deadlines.size === 0) return;
    const now = this.now();
    this.cursor ??= this.deadlines.entries();
    for (let i = 0; i < this.sweepBatch; i++) {
      const next = this.cursor.next();
      if (next.done === true) {
        this.cursor = undefined;
        return;
      }
      const [key, at] = next.value;
      if (at <= now) {
        this.values.delete(key);
        this.deadlines.delete(key);
      }
    }
  }
}
