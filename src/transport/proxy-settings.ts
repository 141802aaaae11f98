import { OptionError } from '../errors';
import { MAX_HEADER_BYTES, MIN_HEADER_BYTES, type ProxyProtocolVersion } from './proxy-header';

/** @internal A listener's `proxyProtocol` option, checked, with its defaults. */
export interface ProxyProtocolSettings {
  readonly accept: ProxyProtocolVersion;
  readonly timeoutMs: number;
  readonly maxHeaderBytes: number;
}

/** How long a header may take to arrive whole; HAProxy sends it with the connection's first segment. */
export const DEFAULT_PROXY_TIMEOUT_MS = 5_000;
/**
 * A v2 header's bound unless configured: room for the addresses and the TLVs HAProxy adds (ALPN,
 * authority, unique id, SSL version, cipher and client CN); the 16-bit length allows 64 KiB.
 */
export const DEFAULT_PROXY_MAX_HEADER_BYTES = 4096;

const VERSIONS = new Set<unknown>(['v1', 'v2', 'any']);

/**
 * @internal
 * `@Listen({ proxyProtocol })` checked: `'v1' | 'v2' | 'any'` or `{ version, timeoutMs, maxHeaderBytes }`.
 * Undefined when the option is absent (the listener reads no header). Throws OptionError naming the fix.
 */
export function proxyProtocolSettings(option: unknown, where: string): ProxyProtocolSettings | undefined {
  if (option === undefined || option === false) return undefined;
  const given = typeof option === 'string' ? { version: option } : option;
  if (given === null || typeof given !== 'object') throw new OptionError(`${where}: proxyProtocol must be 'v1', 'v2', 'any' or { version, timeoutMs, maxHeaderBytes }, got ${String(option)}`);
  const { version, timeoutMs = DEFAULT_PROXY_TIMEOUT_MS, maxHeaderBytes = DEFAULT_PROXY_MAX_HEADER_BYTES, ...unknown } = given as { version?: unknown; timeoutMs?: unknown; maxHeaderBytes?: unknown };
  const extra = Object.keys(unknown);
  if (extra.length > 0) throw new OptionError(`${where}: proxyProtocol has unknown option(s) ${extra.join(', ')} (version, timeoutMs, maxHeaderBytes)`);
  if (!VERSIONS.has(version)) throw new OptionError(`${where}: proxyProtocol version must be 'v1', 'v2' or 'any' (which header the proxy sends; never guessed), got ${String(version)}`);
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new OptionError(`${where}: proxyProtocol.timeoutMs must be a positive number of ms, got ${String(timeoutMs)}`);
  if (typeof maxHeaderBytes !== 'number' || !Number.isInteger(maxHeaderBytes) || maxHeaderBytes < MIN_HEADER_BYTES || maxHeaderBytes > MAX_HEADER_BYTES) {
    throw new OptionError(`${where}: proxyProtocol.maxHeaderBytes must be an integer from ${MIN_HEADER_BYTES} to ${MAX_HEADER_BYTES}, got ${String(maxHeaderBytes)}`);
  }
  return { accept: version as ProxyProtocolVersion, timeoutMs, maxHeaderBytes };
}
