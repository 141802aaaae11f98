import type { Codec } from '../codec/codec';
import type { DatagramCodec } from '../codec/datagram';
import type { DecoderPool } from './decoder-pool';
import type { Constructor } from '../types';
import type { ReplyTap, RequestSettings } from './request-settings';
import type { ProtocolStats } from './stats';

/** The handler decorators, by what they handle. */
export type HandlerKind = 'connect' | 'data' | 'close' | 'error' | 'drain' | 'inputEnd' | 'idle' | 'shutdown';


/** Idle timeouts in ms, each 0 when off (compiled from `@Protocol({ idle })`). */
export interface IdleTimes {
  readonly readMs: number;
  readonly writeMs: number;
  readonly allMs: number;
}

/** A handler method, called with `.call(instance, ...)`; datagram handlers get the sender second. */
export type Handler = (this: object, arg?: unknown, sender?: unknown) => unknown;

/**
 * Everything dispatch needs about one protocol class, compiled once at bootstrap: handler
 * functions (called with `.call(instance, ...)`, no lookup by name per frame), the codec and
 * the flow-control limits.
 */
export interface HandlerTable {
  readonly protocol: Constructor;
  readonly name: string;
  /** The stream codec (`raw()` unless `@Protocol` names one). */
  readonly codec: Codec<unknown, unknown>;
  /** Its decoders, lent to connections between frames (see DecoderPool). */
  readonly decoders: DecoderPool;
  /** The datagram codec `@Protocol` names, if it names one (UDP listeners default to `datagramRaw()`). */
  readonly datagramCodec: DatagramCodec | undefined;
  readonly onConnect: Handler | undefined;
  /** `@OnData` (or the compiled router); timed in place by bootstrap when the metrics histogram is on. */
  onData: Handler;
  readonly onClose: Handler | undefined;
  readonly onError: Handler | undefined;
  readonly onDrain: Handler | undefined;
  readonly onInputEnd: Handler | undefined;
  readonly onIdle: Handler | undefined;
  /** `@OnShutdown`: runs once on a graceful shutdown, after the frames already taken. */
  readonly onShutdown: Handler | undefined;
  /** Idle timeouts; undefined when all are off (most protocols: nothing is watched). */
  readonly idle: IdleTimes | undefined;
  /** A frame begun and unfinished this long fails the connection; 0: off. */
  readonly frameTimeoutMs: number;
  /** Method names, for error messages. */
  readonly names: Readonly<Record<HandlerKind, string>>;
  readonly maxQueuedFrames: number;
  readonly resumeQueuedFrames: number;
  readonly writeHighWaterMark: number;
  /** `@Protocol({ requests })`, compiled; undefined for protocols that make no requests (most). */
  readonly requests?: RequestSettings;
  /** Set by bootstrap for a protocol with `requests`: sees each decoded frame before the queue. */
  replies?: ReplyTap;
  /** Counters of what this protocol's handlers did (plain numbers; read by `/metrics` at scrape time). */
  readonly stats: ProtocolStats;
  /**
   * Builds the protocol without a per-connection container, when nothing it injects lives per
   * connection except the Connection and its Logger (set by bootstrap; see direct-constructor.ts).
   */
  direct?: DirectConstructor;
}

/** Builds a protocol instance for one connection from dependencies resolved at bootstrap. */
export type DirectConstructor = (connection: { readonly log: unknown }) => object;
