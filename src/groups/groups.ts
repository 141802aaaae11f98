import { inject, injectable } from 'tsyringe';
import { OptionError, describe } from '../errors';
import { Logger } from '../logger';
import { Reactor } from '../reactor/reactor';
import type { GroupAdapter } from './adapter';
import { newOrigin, open, seal, sealedBy } from './envelope';
import { Group, type GroupOptions } from './group';
import { OutageBuffer } from './outage-buffer';

/** Options of the `Groups` service (`GroupsModule.configure(options)`, or a `GROUPS_OPTIONS` provider). */
export interface GroupsOptions {
  /** Carries broadcasts to other processes (`RedisGroupAdapter`). Default none: groups are local. */
  adapter?: GroupAdapter;
  /** Messages held while the adapter is away, at most. Default 10,000. */
  maxPendingMessages?: number;
  /** Bytes held while the adapter is away, at most. Default 1 MiB. */
  maxPendingBytes?: number;
}

/** Injection token of the `GroupsOptions` the `Groups` service is made with. */
export const GROUPS_OPTIONS = Symbol('torsion:GROUPS_OPTIONS');

/** Counters of a `Groups` service and its adapter (plain numbers, live). */
export interface GroupsStats {
  /** Broadcasts handed to the adapter. */
  published: number;
  /** Messages from other processes delivered to a group here. */
  received: number;
  /** Messages held now while the adapter is away, and their bytes. */
  pendingMessages: number;
  /** See `pendingMessages`. */
  pendingBytes: number;
  /** Broadcasts that did not fit the outage bounds: never published (local members had them). */
  dropped: number;
  /** Publishes the adapter reported failed (the connection broke while they were sent). */
  failed: number;
  /** Messages from other processes that could not be decoded. */
  rejected: number;
}

const DEFAULT_MAX_PENDING_MESSAGES = 10_000;
const DEFAULT_MAX_PENDING_BYTES = 1024 * 1024;
const MAX_NAME_LENGTH = 1024;

/**
 * The registry of broadcast groups (Netty's `ChannelGroup`s, socket.io's rooms): inject it and
 * ask for a group by name, `groups.group('lobby')`. One per application.
 *
 * With an adapter (`GroupsOptions.adapter`), a group of a given name is one group across every
 * process sharing the adapter: a broadcast is written to the local members at once, then
 * published; the other processes write it to theirs, each through its members' codecs. A process
 * never gets its own broadcasts twice (each message carries the id of the `Groups` that sent it).
 * While the adapter is away (Redis restarting) broadcasts still reach the local members, and
 * what they would publish is held, in order, within `maxPendingMessages`/`maxPendingBytes`
 * (past them it is dropped and counted), then published when the adapter is back. Delivery to
 * other processes is at most once: a process whose own connection to the adapter is not back
 * yet when the held messages are published misses them.
 */
// Not `implements GroupHub`: that interface is internal and the clause would show it in the public
// typings; the shape is checked where the groups get it (`new Group(name, options, this, reactor)`).
@injectable()
export class Groups {
  private readonly groups = new Map<string, Group>();
  private readonly adapter: GroupAdapter | undefined;
  private readonly pending: OutageBuffer;
  private readonly origin = newOrigin();
  private adapterOpen = false;
  private shutDown = false;
  /** True while a batch opened for messages from other processes is waiting for its end. */
  private batchOpen = false;
  /** Counters since the service was made. */
  readonly stats: GroupsStats = { published: 0, received: 0, pendingMessages: 0, pendingBytes: 0, dropped: 0, failed: 0, rejected: 0 };

  /** Made by the container (provide it through `GroupsModule`, or `Groups` plus a `GROUPS_OPTIONS` provider). */
  constructor(
    @inject(GROUPS_OPTIONS) options: GroupsOptions,
    private readonly reactor: Reactor,
    private readonly logger: Logger,
  ) {
    this.adapter = options.adapter;
    this.pending = new OutageBuffer(options.maxPendingMessages ?? DEFAULT_MAX_PENDING_MESSAGES, options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES);
  }

  /**
   * True while broadcasts reach the other processes: the adapter is connected (always true
   * without one). While false they are held within the outage bounds (see `stats`).
   */
  get adapterReady(): boolean {
    return this.adapter === undefined || (this.adapterOpen && this.adapter.ready);
  }

  /** The adapter's name, or 'local' without one. */
  get adapterName(): string {
    return this.adapter?.name ?? 'local';
  }

  /**
   * The group called `name`, made on first use (with `options`; later calls return the same
   * group, and options that differ from its own are an `OptionError`). With an adapter, making
   * it subscribes to the other processes' broadcasts of that name.
   */
  group(name: string, options?: GroupOptions): Group {
    const existing = this.groups.get(name);
    if (existing !== undefined) {
      if (options !== undefined && ((options.slowMember ?? 'skip') !== existing.slowMember || (options.maxBufferedBytes !== undefined && options.maxBufferedBytes !== existing.maxBufferedBytes))) {
        throw new OptionError(`group '${name}' exists with slowMember '${existing.slowMember}' and maxBufferedBytes ${existing.maxBufferedBytes}: ask for it with the same options, or none`);
      }
      return existing;
    }
    if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) {
      throw new OptionError(`a group name must be a string of 1 to ${MAX_NAME_LENGTH} characters, got ${typeof name === 'string' ? `${name.length} characters` : String(name)}`);
    }
    const group = new Group(name, options ?? {}, this, this.reactor);
    this.groups.set(name, group);
    if (this.adapter !== undefined && !this.shutDown) {
      this.openAdapter(this.adapter);
      this.adapter.subscribe(name);
    }
    return group;
  }

  /** The group called `name` if it exists (never makes one). */
  get(name: string): Group | undefined {
    return this.groups.get(name);
  }

  /** Names of the groups that exist here, in the order they were made. */
  names(): string[] {
    return [...this.groups.keys()];
  }

  /** Closes every group and the adapter (the application calls it when it closes). */
  async onShutdown(): Promise<void> {
    if (this.shutDown) return;
    this.shutDown = true;
    for (const group of [...this.groups.values()]) group.close();
    if (this.adapter !== undefined && this.adapterOpen) await this.adapter.close();
  }

  // --- GroupHub: for the groups -----------------------------------------------------------

  /** @internal */
  seal(value: unknown): Buffer | undefined {
    return this.adapter === undefined || this.shutDown ? undefined : seal(this.origin, value);
  }

  /** @internal */
  publish(group: Group, payload: Buffer): void {
    const adapter = this.adapter as GroupAdapter;
    if (this.shutDown) return;
    if (adapter.ready && this.pending.messages === 0) {
      this.send(adapter, group.name, payload);
      return;
    }
    if (this.pending.push(group.name, payload)) {
      this.countPending();
      return;
    }
    this.stats.dropped++;
    if (this.reactor.logLimiter.allow('group broadcast dropped')) {
      this.logger.warn({ group: group.name, adapter: adapter.name, pendingMessages: this.pending.messages, pendingBytes: this.pending.bytes }, 'group broadcast dropped: the adapter is away and the outage buffer is full');
    }
  }

  /** @internal */
  closed(group: Group): void {
    if (this.groups.get(group.name) !== group) return;
    this.groups.delete(group.name);
    if (this.adapter !== undefined && this.adapterOpen && !this.shutDown) this.adapter.unsubscribe(group.name);
  }

  // --- the adapter ---------------------------------------------------------------------

  private openAdapter(adapter: GroupAdapter): void {
    if (this.adapterOpen) return;
    this.adapterOpen = true;
    adapter.open({ message: (name, payload) => this.received(name, payload), ready: () => this.adapterBack(adapter) }, this.logger);
  }

  private send(adapter: GroupAdapter, name: string, payload: Buffer): void {
    this.stats.published++;
    adapter.publish(name, payload).catch((error: unknown) => {
      this.stats.failed++;
      if (this.reactor.logLimiter.allow('group publish failed')) this.logger.warn({ group: name, adapter: adapter.name, err: error }, `group broadcast not published: ${describe(error)}`);
    });
  }

  /** Back (or up for the first time): publish what was held, oldest first. */
  private adapterBack(adapter: GroupAdapter): void {
    if (this.shutDown || this.pending.messages === 0) return;
    const held = this.pending.take();
    this.countPending();
    this.logger.info({ adapter: adapter.name, messages: held.length }, 'group adapter is back: publishing the broadcasts held meanwhile');
    for (const { group, payload } of held) this.send(adapter, group, payload);
  }

  private countPending(): void {
    this.stats.pendingMessages = this.pending.messages;
    this.stats.pendingBytes = this.pending.bytes;
  }

  /** A message from the adapter: ours are dropped, others' go to the local members. */
  private received(name: string, payload: Buffer): void {
    if (this.shutDown || sealedBy(payload, this.origin)) return;
    const group = this.groups.get(name);
    if (group === undefined) return;
    let value: unknown;
    try {
      value = open(payload);
    } catch (error) {
      this.stats.rejected++;
      if (this.reactor.logLimiter.allow('group message rejected')) this.logger.warn({ group: name, err: error }, `group message from another process rejected: ${describe(error)}`);
      return;
    }
    this.stats.received++;
    // Messages arrive in bursts, several per read of the adapter's socket, each emitted
    // synchronously: one batch until the burst's microtask checkpoint gathers each member's
    // writes into one (see Flow control), as a broadcast made while handling a read does.
    if (!this.batchOpen) {
      this.batchOpen = true;
      this.reactor.beginBatch();
      queueMicrotask(() => {
        this.batchOpen = false;
        this.reactor.endBatch();
      });
    }
    try {
      group.deliver(value, undefined);
    } catch (error) {
      if (this.reactor.logLimiter.allow('group message not encodable')) {
        this.logger.warn({ group: name, err: error }, `a group message from another process could not be encoded for some members: ${describe(error)}`);
      }
    }
  }
}
