import type { DependencyContainer } from 'tsyringe';
import { isDatagramCodec } from '../codec/datagram';
import type { ProtocolOptions } from '../decorators/options';
import type { HandlerTable } from '../dispatch/handler-table';
import { compileProtocol } from './compile-protocol';
import { BootstrapError, describe } from '../errors';
import { getProtocol } from '../metadata';
import { tokenName, type Constructor, type Token } from '../types';
import type { AppGraph } from './module-graph';

/**
 * `@Protocol({ options: TOKEN })`: a protocol whose codec and limits come from the application's
 * providers (a configurable module's config). Checked with the rest of the graph, before
 * anything is built; resolved once, after the providers are registered. Nothing per connection.
 */

const OPTION_KEYS: ReadonlySet<string> = new Set<keyof ProtocolOptions>(['codec', 'maxQueuedFrames', 'resumeQueuedFrames', 'writeHighWaterMark', 'idle', 'frameTimeoutMs', 'router', 'requests']);

/** Every options token must be visible to the module serving its protocol, and live once per application. */
export function checkProtocolOptionTokens(graph: AppGraph): void {
  for (const { cls, module } of graph.protocols) {
    const token = getProtocol(cls)?.options as unknown;
    if (token === undefined) continue;
    const where = `@Protocol({ options }) of ${cls.name}`;
    if (typeof token !== 'function' && typeof token !== 'string' && typeof token !== 'symbol') {
      throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `${where}: options must be an injection token (a class, string or symbol) provided as ProtocolOptions, got ${String(token)}`, { target: cls.name });
    }
    const name = tokenName(token);
    if (!module.visible.has(token as Token)) {
      const provider = graph.providers.get(token as Token);
      const fix =
        provider === undefined
          ? `add a provider of ${name} to ${module.name}, e.g. { provide: ${name}, useFactory: (config) => ({ codec: lines({ maxLength: config.maxLineLength }) }), inject: [CONFIG] }`
          : `${provider.module.name} provides it: export it from ${provider.module.name} and import ${provider.module.name} into ${module.name}`;
      throw new BootstrapError('TORSION_ERR_UNRESOLVED', `${where}: ${name} is not provided to ${module.name}; ${fix}`, { target: cls.name });
    }
    if ((graph.providers.get(token as Token)?.scope ?? 'singleton') !== 'singleton') {
      throw new BootstrapError('TORSION_ERR_SCOPE', `${where}: ${name} is resolved once per application, so its provider cannot have a per-connection or transient scope; remove the scope`, { target: cls.name });
    }
  }
}

/**
 * Resolves each options token from `container` and recompiles that protocol's table with the
 * result, in place (listen plans and the application already hold the table). Throws
 * `BootstrapError` naming the protocol and the token when resolving fails or the value is invalid.
 */
export function resolveProtocolOptions(tables: ReadonlyMap<Constructor, HandlerTable>, container: DependencyContainer): void {
  for (const [cls, table] of tables) {
    const token = getProtocol(cls)?.options;
    if (token === undefined) continue;
    const where = `@Protocol({ options: ${tokenName(token)} }) of ${table.name}`;
    let value: unknown;
    try {
      value = container.resolve(token);
    } catch (error) {
      throw new BootstrapError('TORSION_ERR_PROTOCOL_OPTIONS', `${where}: resolving ${tokenName(token)} failed: ${describe(error)}`, { target: table.name, cause: error });
    }
    const options = checkShape(value, where, table.name);
    let compiled: HandlerTable;
    try {
      compiled = compileProtocol(cls, options);
    } catch (error) {
      const detail = describe(error).replace(/^@Protocol\(\) of [^:]+: /, '');
      // The code of what failed (an invalid option, or no @OnData once the token gave no requests).
      const code = error instanceof BootstrapError ? error.code : 'TORSION_ERR_INVALID_OPTION';
      throw new BootstrapError(code, `${where}: ${detail}`, { target: table.name, cause: error });
    }
    Object.assign(table, compiled);
  }
}

/** The resolved value must be `ProtocolOptions`: an object of known keys with a codec if it has one. */
function checkShape(value: unknown, where: string, target: string): ProtocolOptions {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `${where}: the token resolved to ${describeValue(value)}, not ProtocolOptions ({ codec, maxQueuedFrames, ... })`, { target });
  }
  const unknown = Object.keys(value).filter((key) => !OPTION_KEYS.has(key));
  if (unknown.length > 0) {
    throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `${where}: unknown option ${unknown.join(', ')}; ProtocolOptions has ${[...OPTION_KEYS].join(', ')}`, { target });
  }
  const codec = (value as ProtocolOptions).codec as unknown;
  if (codec !== undefined && !isStreamCodec(codec) && !isDatagramCodec(codec)) {
    throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `${where}: codec is ${describeValue(codec)}, not a codec (lines(), delimited(), lengthPrefixed()... or a datagram codec)`, { target });
  }
  return value as ProtocolOptions;
}

function isStreamCodec(value: unknown): boolean {
  const codec = value as { createDecoder?: unknown; encode?: unknown } | null;
  return codec !== null && typeof codec === 'object' && typeof codec.createDecoder === 'function' && typeof codec.encode === 'function';
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? `an object (${(value as object).constructor?.name ?? 'no prototype'})` : `${typeof value} ${String(value)}`;
}
