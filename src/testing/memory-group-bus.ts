import type { GroupAdapter, GroupAdapterEvents } from '../groups/adapter';
import { ClosedError } from '../errors';

/**
 * An in-process pub/sub for groups (what Redis is to `RedisGroupAdapter`): give each
 * application `bus.adapter()` and their groups of one name are one group. `down()` and `up()`
 * stand for the broker going away and coming back, to test what is held meanwhile.
 *
 * Like a broker, it delivers after `publish` returns (in a microtask: `await` once, or pump),
 * to every adapter subscribed to the group, the publisher's own included.
 */
export class MemoryGroupBus {
  private readonly adapters = new Set<MemoryGroupAdapter>();
  private running = true;
  /** Messages the bus carried (each counted once, however many adapters heard it). */
  published = 0;

  /** True unless `down()`. */
  get isUp(): boolean {
    return this.running;
  }

  /** A new adapter on this bus, for one application's `Groups`. */
  adapter(): GroupAdapter {
    return new MemoryGroupAdapter(this);
  }

  /** The broker goes away: adapters are not ready, publishes fail, nothing is delivered. */
  down(): void {
    this.running = false;
  }

  /** The broker is back: every open adapter reports ready (subscriptions held). */
  up(): void {
    if (this.running) return;
    this.running = true;
    for (const adapter of this.adapters) adapter.readyAgain();
  }

  /** @internal */
  attach(adapter: MemoryGroupAdapter): void {
    this.adapters.add(adapter);
  }

  /** @internal */
  detach(adapter: MemoryGroupAdapter): void {
    this.adapters.delete(adapter);
  }

  /** @internal */
  carry(group: string, payload: Buffer): void {
    this.published++;
    queueMicrotask(() => {
      if (!this.running) return;
      for (const adapter of this.adapters) adapter.heard(group, payload);
    });
  }
}

/** @internal One application's end of a `MemoryGroupBus` (`bus.adapter()` hands it out as a `GroupAdapter`). */
class MemoryGroupAdapter implements GroupAdapter {
  readonly name = 'memory';
  private events: GroupAdapterEvents | undefined;
  private readonly groups = new Set<string>();
  private closed = false;

  constructor(private readonly bus: MemoryGroupBus) {}

  get ready(): boolean {
    return this.events !== undefined && !this.closed && this.bus.isUp;
  }

  open(events: GroupAdapterEvents): void {
    this.events = events;
    this.bus.attach(this);
  }

  subscribe(group: string): void {
    this.groups.add(group);
  }

  unsubscribe(group: string): void {
    this.groups.delete(group);
  }

  publish(group: string, payload: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new ClosedError('the memory group adapter is closed'));
    if (!this.bus.isUp) return Promise.reject(new Error('the memory group bus is down'));
    this.bus.carry(group, payload);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    this.bus.detach(this);
    return Promise.resolve();
  }

  /** @internal */
  heard(group: string, payload: Buffer): void {
    if (!this.closed && this.groups.has(group)) this.events?.message(group, payload);
  }

  /** @internal */
  readyAgain(): void {
    if (!this.closed) this.events?.ready();
  }
}
