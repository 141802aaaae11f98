import type { Logger } from '../logger';

/**
 * What a pub/sub adapter reports to the `Groups` that opened it. Both are called from the
 * adapter's own I/O callbacks, never from inside `publish`.
 */
export interface GroupAdapterEvents {
  /**
   * A message published on `group` by some process, this one included: `Groups` recognises its
   * own by their origin and drops them (its local members had them when they were broadcast).
   */
  message(group: string, payload: Buffer): void;
  /**
   * The adapter is connected (again) and its subscriptions are back: what is published now
   * reaches the other processes. `Groups` then publishes what it held while the adapter was away.
   */
  ready(): void;
}

/**
 * Carries group broadcasts between processes (socket.io's adapter): each process publishes what
 * its groups broadcast, and hears what the others publish on the groups it has. The default is
 * none (every group is local to its application); `RedisGroupAdapter` goes through Redis pub/sub,
 * `MemoryGroupBus` links applications of one process (tests).
 *
 * Contract: `open` is called once, before anything else; `subscribe`/`unsubscribe` may be
 * called at any time, connected or not, and hold across reconnections; `publish` is called only
 * while `ready` and settles once the message left (a rejection means it may not have: `Groups`
 * counts it, never retries it — delivery across processes is at most once); `close` releases
 * everything and is called once. None may throw for a connection problem: the adapter reports
 * those to the logger it is given and reconnects by itself.
 */
export interface GroupAdapter {
  /** For logs: 'redis', 'memory', ... */
  readonly name: string;
  /** True while a publish reaches the other processes. */
  readonly ready: boolean;
  /** Starts connecting; `events` hears every message and each (re)connection. */
  open(events: GroupAdapterEvents, logger: Logger): void;
  /** Hear messages published on `group` (idempotent). */
  subscribe(group: string): void;
  /** Stop hearing `group` (idempotent). */
  unsubscribe(group: string): void;
  /** Sends `payload` to every process subscribed to `group`. */
  publish(group: string, payload: Buffer): Promise<void>;
  /** Disconnects for good. */
  close(): Promise<void>;
}
