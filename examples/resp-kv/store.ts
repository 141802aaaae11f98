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

export const KV_OPTIONS = Symbol('KV_OPTIONS');
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
 * batch per tick. Deadlines are on the reactor clock, so tests move time with a VirtualClock.
 */
@injectable()
export class KeyValueStore {
  private readonly values = new Map<string, StoredValue>();
  /** Deadline (reactor clock, ms) of every key that has a TTL. */
  private readonly deadlines = new Map<string, number>();
  /** Where the sweep resumes; Map iterators survive inserts and deletes. */
  private cursor: Iterator<[string, number]> | undefined;
  private readonly sweepBatch: number;

  constructor(
    private readonly reactor: Reactor,
    @inject(KV_OPTIONS) options: KeyValueOptions,
  ) {
    this.sweepBatch = options.sweepBatch;
    reactor.every(options.sweepIntervalMs, () => this.sweep());
  }

  /** Milliseconds on the reactor clock. */
  now(): number {
    return this.reactor.clock.now();
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
  deadline(key: string): number | undefined {
    return this.deadlines.get(key);
  }

  /** Gives an existing key a deadline; one already past deletes it. */
  expireAt(key: string, at: number): void {
    if (at <= this.now()) {
      this.values.delete(key);
      this.deadlines.delete(key);
    } else {
      this.deadlines.set(key, at);
    }
  }

  /** Removes the key's TTL; true when it had one. */
  persist(key: string): boolean {
    return this.deadlines.delete(key);
  }

  /** Live keys whose name `matches` (all of them when it is undefined). */
  keys(matches?: RegExp): string[] {
    const out: string[] = [];
    const now = this.now();
    for (const key of this.values.keys()) {
      const at = this.deadlines.get(key);
      if (at !== undefined && at <= now) {
        this.values.delete(key);
        this.deadlines.delete(key);
        continue;
      }
      if (matches === undefined || matches.test(key)) out.push(key);
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
