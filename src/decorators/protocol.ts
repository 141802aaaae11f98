import { injectable } from 'tsyringe';
import type { Codec } from '../codec/codec';
import type { Constructor } from '../types';
import { setProtocol } from '../metadata';

export interface ProtocolOptions {
  /** Framing of the byte stream; default `raw()` (each chunk is a frame). */
  codec?: Codec<any, any>;
  /**
   * Frames waiting behind a busy (async) handler before the connection stops reading
   * (default 1024). Reading resumes when the queue is down to `resumeQueuedFrames`.
   */
  maxQueuedFrames?: number;
  /** Default: half of `maxQueuedFrames`. */
  resumeQueuedFrames?: number;
  /**
   * Bytes the outgoing buffer may hold before `write` reports false and the connection
   * stops reading and dispatching until it drains (default 64 KiB).
   */
  writeHighWaterMark?: number;
}

/**
 * Marks a class as a protocol: one instance per connection, built by the container, so its
 * constructor can take `Connection`, `Reactor`, `Logger` and any provided service.
 */
export function Protocol(options: ProtocolOptions = {}): ClassDecorator {
  return (target) => {
    setProtocol(target as unknown as Constructor, options);
    // tsyringe needs its own registration of the constructor's parameter types.
    injectable()(target as unknown as new (...args: any[]) => unknown);
  };
}
