import { OptionError } from '../errors';
import type { IdleTimes } from './handler-table';

/** Idle timeouts as declared (`@Protocol({ idle })`, `@Listen({ idle })`, `@Connect({ idle })`): ms, 0 or absent off. */
export interface IdleDeclaration {
  readonly readMs?: number;
  readonly writeMs?: number;
  readonly allMs?: number;
}

/**
 * The idle timeouts in effect: `declared` over `base` (a listener's or client's fields replace
 * the protocol's, one by one). Undefined when all are off, so nothing is watched. Throws an
 * `OptionError` naming `where` for a value that is not a number of ms >= 0.
 */
export function idleTimes(declared: IdleDeclaration | undefined, base: IdleTimes | undefined, where: string): IdleTimes | undefined {
  if (declared === undefined) return base;
  if (declared === null || typeof declared !== 'object') throw new OptionError(`${where}: idle must be an object { readMs, writeMs, allMs }, got ${String(declared)}`);
  const times = {
    readMs: declared.readMs ?? base?.readMs ?? 0,
    writeMs: declared.writeMs ?? base?.writeMs ?? 0,
    allMs: declared.allMs ?? base?.allMs ?? 0,
  };
  for (const [key, value] of Object.entries(times)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new OptionError(`${where}: idle.${key} must be a number of ms >= 0 (0: off), got ${String(value)}`);
  }
  return times.readMs > 0 || times.writeMs > 0 || times.allMs > 0 ? times : undefined;
}
