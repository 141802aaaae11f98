import type { Codec } from '../codec/codec';
import { RawCodec } from '../codec/raw';
import type { ProtocolOptions } from '../decorators/options';
import { BootstrapError, OptionError } from '../errors';
import { getHandlerMisuse, getHandlers, getProtocol, type HandlerKind } from '../metadata';
import type { Constructor } from '../types';

type Handler = (this: object, arg?: unknown) => unknown;

/**
 * Everything dispatch needs about one protocol class, compiled once at bootstrap: handler
 * functions (called with `.call(instance, ...)`, no lookup by name per frame), the codec and
 * the flow-control limits.
 */
export interface HandlerTable {
  readonly protocol: Constructor;
  readonly name: string;
  readonly codec: Codec<unknown, unknown>;
  readonly onConnect: Handler | undefined;
  readonly onData: Handler;
  readonly onClose: Handler | undefined;
  readonly onError: Handler | undefined;
  readonly onDrain: Handler | undefined;
  readonly onInputEnd: Handler | undefined;
  /** Method names, for error messages. */
  readonly names: Readonly<Record<HandlerKind, string>>;
  readonly maxQueuedFrames: number;
  readonly resumeQueuedFrames: number;
  readonly writeHighWaterMark: number;
  /**
   * Builds the protocol without a per-connection container, when nothing it injects lives per
   * connection except the Connection and its Logger (set by bootstrap; see direct-constructor.ts).
   */
  direct?: DirectConstructor;
}

/** Builds a protocol instance for one connection from dependencies resolved at bootstrap. */
export type DirectConstructor = (connection: { readonly log: unknown }) => object;

const DEFAULT_MAX_QUEUED_FRAMES = 1024;
const DEFAULT_WRITE_HIGH_WATER_MARK = 64 * 1024;
const sharedRaw = new RawCodec();

/**
 * Validates a protocol class and compiles its table; throws BootstrapError naming the class.
 * `resolved`: options resolved from the protocol's `@Protocol({ options: TOKEN })`, which win
 * over the ones `@Protocol` gives in place (bootstrap compiles once without, once with them).
 */
export function compileProtocol(protocol: Constructor, resolved?: ProtocolOptions): HandlerTable {
  const name = protocol.name || '<anonymous protocol>';
  const declared = getProtocol(protocol);
  const options = declared === undefined || resolved === undefined ? declared : { ...declared, ...resolved };
  if (options === undefined) {
    throw new BootstrapError('TORSION_ERR_NOT_A_PROTOCOL', `${name} is used as a protocol but has no @Protocol() decorator: add @Protocol() to the class`, { target: name });
  }
  const misuse = getHandlerMisuse(protocol);
  if (misuse.length > 0) {
    throw new BootstrapError('TORSION_ERR_HANDLER_NOT_METHOD', `${name}: ${misuse[0]}; handler decorators go on methods`, { target: name });
  }
  const found = new Map<HandlerKind, string | symbol>();
  for (const { kind, method } of getHandlers(protocol)) {
    const previous = found.get(kind);
    if (previous !== undefined && previous !== method) {
      throw new BootstrapError('TORSION_ERR_DUPLICATE_HANDLER', `${name} has two ${decoratorName(kind)} handlers (${String(previous)} and ${String(method)}): keep one and call the other from it`, { target: name });
    }
    found.set(kind, method);
  }
  if (!found.has('data')) {
    throw new BootstrapError('TORSION_ERR_NO_DATA_HANDLER', `${name} has no @OnData() handler: add a method decorated with @OnData() to receive frames`, { target: name });
  }
  const proto = protocol.prototype as Record<string | symbol, unknown>;
  const fn = (kind: HandlerKind): Handler | undefined => {
    const method = found.get(kind);
    return method === undefined ? undefined : (proto[method] as Handler);
  };
  const names = {} as Record<HandlerKind, string>;
  for (const [kind, method] of found) names[kind] = String(method);
  const limits = compileLimits(name, options);
  return {
    protocol,
    name,
    codec: (options.codec ?? sharedRaw) as Codec<unknown, unknown>,
    onConnect: fn('connect'),
    onData: fn('data') as Handler,
    onClose: fn('close'),
    onError: fn('error'),
    onDrain: fn('drain'),
    onInputEnd: fn('inputEnd'),
    names,
    ...limits,
  };
}

function compileLimits(name: string, options: ProtocolOptions): Pick<HandlerTable, 'maxQueuedFrames' | 'resumeQueuedFrames' | 'writeHighWaterMark'> {
  const maxQueuedFrames = options.maxQueuedFrames ?? DEFAULT_MAX_QUEUED_FRAMES;
  const resumeQueuedFrames = options.resumeQueuedFrames ?? Math.floor(maxQueuedFrames / 2);
  const writeHighWaterMark = options.writeHighWaterMark ?? DEFAULT_WRITE_HIGH_WATER_MARK;
  try {
    positiveInteger(maxQueuedFrames, 'maxQueuedFrames');
    positiveInteger(writeHighWaterMark, 'writeHighWaterMark');
    if (!Number.isInteger(resumeQueuedFrames) || resumeQueuedFrames < 0 || resumeQueuedFrames >= maxQueuedFrames) {
      throw new OptionError(`resumeQueuedFrames must be an integer from 0 to maxQueuedFrames - 1 (${maxQueuedFrames - 1}), got ${resumeQueuedFrames}`);
    }
  } catch (error) {
    throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `@Protocol() of ${name}: ${(error as Error).message}`, { target: name, cause: error });
  }
  return { maxQueuedFrames, resumeQueuedFrames, writeHighWaterMark };
}

function positiveInteger(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1) throw new OptionError(`${what} must be a positive integer, got ${value}`);
}

function decoratorName(kind: HandlerKind): string {
  return `@On${kind[0].toUpperCase()}${kind.slice(1)}()`;
}
