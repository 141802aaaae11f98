import type { RequestsOptions } from '../decorators/options';
import type { RequestSettings } from '../dispatch/request-settings';
import { OptionError } from '../errors';

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_PENDING = 1024;

/**
 * Validates `@Protocol({ requests })` and compiles it (a field name becomes two property reads);
 * throws an OptionError naming the fix. undefined stays undefined: the protocol makes no requests.
 */
export function compileRequests(options: RequestsOptions | undefined): RequestSettings | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== 'object') throw new OptionError(`requests must be an object ({ correlate, timeoutMs, maxPending }), got ${String(options)}`);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  checkTimeout(timeoutMs, 'requests.timeoutMs');
  const maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
  if (!Number.isInteger(maxPending) || maxPending < 1) throw new OptionError(`requests.maxPending must be a positive integer, got ${String(maxPending)}`);
  const { push, correlate } = options;
  if (push !== undefined && typeof push !== 'function') throw new OptionError(`requests.push must be a function of a frame, got ${typeof push}`);
  if (correlate === undefined) return { requestId: undefined, replyId: undefined, push, timeoutMs, maxPending };
  if (push !== undefined) {
    throw new OptionError('requests.push is for pipelined requests; with correlate, a frame whose replyId is undefined already goes to @OnData: remove push');
  }
  if (typeof correlate === 'string') {
    if (correlate === '') throw new OptionError(`requests.correlate must name the id field (e.g. 'id'), got ''`);
    const byField = (frame: unknown): unknown => (frame !== null && typeof frame === 'object' ? (frame as Record<string, unknown>)[correlate] : undefined);
    return { requestId: byField, replyId: byField, push: undefined, timeoutMs, maxPending };
  }
  if (correlate === null || typeof correlate !== 'object' || typeof correlate.requestId !== 'function' || typeof correlate.replyId !== 'function') {
    throw new OptionError(`requests.correlate must be an id field name ('id') or { requestId(frame), replyId(frame) }`);
  }
  // Called as methods, so a correlate object may keep what it needs on `this`.
  return { requestId: (frame) => correlate.requestId(frame), replyId: (frame) => correlate.replyId(frame), push: undefined, timeoutMs, maxPending };
}

/** The longest timer Node keeps: a longer setTimeout fires after 1 ms instead (with a warning). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A timeout in ms: from 0 (none) to about 24.8 days, the longest a Node timer can wait. */
export function checkTimeout(value: unknown, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_TIMEOUT_MS) {
    throw new OptionError(`${what} must be a number of ms from 0 (no timeout) to ${MAX_TIMEOUT_MS}, got ${String(value)}`);
  }
}
