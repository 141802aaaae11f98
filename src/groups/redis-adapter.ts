import type { Redis, RedisOptions } from 'ioredis';
import { OptionError, describe } from '../errors';
import type { Logger } from '../logger';
import type { GroupAdapter, GroupAdapterEvents } from './adapter';

/** Options of `new RedisGroupAdapter(options)`. */
export interface RedisGroupAdapterOptions {
  /** `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS. */
  url: string;
  /** Prefix of the pub/sub channel of each group (channel = prefix + group name). Default 'torsion:group:'. */
  channelPrefix?: string;
  /** Longest wait between two reconnection attempts, in ms (they start at 100 ms and grow by 100 ms). Default 1000. */
  maxReconnectDelayMs?: number;
}

type Role = 'publisher' | 'subscriber';

/**
 * Groups across processes through Redis pub/sub, on ioredis (loaded on first use: applications
 * without it never load it). Two connections, because a connection that subscribes is given to
 * pub/sub: a publisher (commands fail at once while it is disconnected: `Groups` holds them in
 * its bounded outage buffer instead of ioredis's unbounded offline queue) and a subscriber (one
 * channel per group, subscribed again by ioredis after every reconnection).
 *
 * Redis restarting is not an error here: both connections reconnect by themselves, every
 * 100 ms more up to `maxReconnectDelayMs`, for as long as it takes; `ready` is true once both
 * are back, and `Groups` then publishes what it held meanwhile. Lost and restored connections
 * are logged once each (warn, info), not once per attempt.
 */
export class RedisGroupAdapter implements GroupAdapter {
  /** 'redis'. */
  readonly name = 'redis';
  private readonly url: string;
  private readonly prefix: string;
  private readonly maxReconnectDelayMs: number;
  private publisher: Redis | undefined;
  private subscriber: Redis | undefined;
  private readonly channels = new Set<string>();
  private events: GroupAdapterEvents | undefined;
  private logger: Logger | undefined;
  private closing = false;
  /** Per connection: false once it was lost, until it is ready again (one log line each way). */
  private readonly up: Record<Role, boolean> = { publisher: true, subscriber: true };

  constructor(options: RedisGroupAdapterOptions) {
    const { url, channelPrefix = 'torsion:group:', maxReconnectDelayMs = 1000 } = options;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (error) {
      throw new OptionError(`RedisGroupAdapter: url must be redis://host:port (or rediss://), got ${String(url)}: ${describe(error)}`);
    }
    if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new OptionError(`RedisGroupAdapter: url must start with redis:// or rediss://, got ${parsed.protocol}//`);
    if (typeof channelPrefix !== 'string') throw new OptionError(`RedisGroupAdapter: channelPrefix must be a string, got ${String(channelPrefix)}`);
    if (!Number.isSafeInteger(maxReconnectDelayMs) || maxReconnectDelayMs < 100) throw new OptionError(`RedisGroupAdapter: maxReconnectDelayMs must be an integer >= 100, got ${maxReconnectDelayMs}`);
    this.url = url;
    this.prefix = channelPrefix;
    this.maxReconnectDelayMs = maxReconnectDelayMs;
  }

  /** True while both connections are ready (the subscriber's channels subscribed again). */
  get ready(): boolean {
    return this.publisher?.status === 'ready' && this.subscriber?.status === 'ready';
  }

  /** Loads ioredis and opens both connections (in the background: `ready` says when). */
  open(events: GroupAdapterEvents, logger: Logger): void {
    this.events = events;
    this.logger = logger;
    void import('ioredis').then(
      (ioredis) => this.connect(ioredis.Redis),
      (error: unknown) => logger.error({ err: error }, `groups: the Redis adapter needs the ioredis package (npm install ioredis): ${describe(error)}`),
    );
  }

  private connect(RedisClass: typeof Redis): void {
    if (this.closing) return;
    const max = this.maxReconnectDelayMs;
    const common: RedisOptions = {
      retryStrategy: (times) => Math.min(times * 100, max),
      // Pub/sub needs nothing from ioredis's RESP2/RESP3 differences; its default (RESP3) is kept.
      lazyConnect: false,
    };
    const publisher = new RedisClass(this.url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectionName: 'torsion-groups-pub' });
    const subscriber = new RedisClass(this.url, { ...common, autoResubscribe: true, connectionName: 'torsion-groups-sub' });
    this.publisher = publisher;
    this.subscriber = subscriber;
    this.watch(publisher, 'publisher');
    this.watch(subscriber, 'subscriber');
    subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => this.message(channel, message));
    if (this.channels.size > 0) this.subscribeNow([...this.channels]);
  }

  private watch(client: Redis, role: Role): void {
    client.on('ready', () => {
      if (!this.up[role]) {
        this.up[role] = true;
        this.logger?.info({ adapter: this.name, role }, 'groups: Redis connection is back');
      }
      if (this.ready) this.events?.ready();
    });
    // Without a listener ioredis prints every failed attempt; one line per outage is enough.
    client.on('error', (error: Error) => this.lost(role, error));
    client.on('close', () => this.lost(role, undefined));
  }

  private lost(role: Role, error: Error | undefined): void {
    if (this.closing || !this.up[role]) return;
    this.up[role] = false;
    this.logger?.warn({ adapter: this.name, role, err: error }, `groups: Redis connection lost (${error === undefined ? 'closed' : describe(error)}); reconnecting, broadcasts to other processes are held meanwhile`);
  }

  private message(channel: Buffer, message: Buffer): void {
    const name = channel.toString('utf8');
    if (!name.startsWith(this.prefix)) return;
    this.events?.message(name.slice(this.prefix.length), message);
  }

  /** Subscribes `group`'s channel now or once connected; ioredis subscribes again after each reconnection. */
  subscribe(group: string): void {
    if (this.channels.has(group)) return;
    this.channels.add(group);
    this.subscribeNow([group]);
  }

  /** Unsubscribes `group`'s channel. */
  unsubscribe(group: string): void {
    if (!this.channels.delete(group)) return;
    this.subscriber?.unsubscribe(this.prefix + group).catch((error: unknown) => this.commandFailed('unsubscribe', group, error));
  }

  private subscribeNow(groups: string[]): void {
    // Queued by ioredis while disconnected (the subscriber keeps its offline queue: at most one
    // SUBSCRIBE per group), and remembered for its resubscription once done.
    this.subscriber?.subscribe(...groups.map((g) => this.prefix + g)).catch((error: unknown) => this.commandFailed('subscribe', groups.join(' '), error));
  }

  private commandFailed(command: string, group: string, error: unknown): void {
    if (this.closing) return;
    this.logger?.warn({ adapter: this.name, group, err: error }, `groups: Redis ${command} failed: ${describe(error)} (subscriptions are made again when the connection is back)`);
  }

  /** PUBLISH on the group's channel; rejects at once while the publisher is disconnected. */
  async publish(group: string, payload: Buffer): Promise<void> {
    const publisher = this.publisher;
    if (publisher === undefined) throw new Error('the Redis publisher is not connected yet');
    await publisher.publish(this.prefix + group, payload);
  }

  /** QUITs both connections (disconnects at once if QUIT cannot be sent). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await Promise.all(
      [this.publisher, this.subscriber].map(async (client) => {
        if (client === undefined) return;
        if (client.status !== 'ready') {
          client.disconnect();
          return;
        }
        try {
          await client.quit();
        } catch {
          client.disconnect();
        }
      }),
    );
  }
}
