import type { Codec } from '../codec/codec';
import { isDatagramCodec, type DatagramCodec } from '../codec/datagram';
import { RawCodec } from '../codec/raw';
import type { ProtocolOptions } from '../decorators/options';
import type { Handler, HandlerKind, HandlerTable, IdleTimes } from '../dispatch/handler-table';
import { ProtocolStats } from '../dispatch/stats';
import { DecoderPool } from '../dispatch/decoder-pool';
import { BootstrapError, OptionError } from '../errors';
import { idleTimes } from '../dispatch/idle-times';
import { getHandlerMisuse, getHandlers, getProtocol } from '../metadata';
import { compileRoutes, ROUTES_NAME } from './compile-routes';
import { compileRequests } from '../client/request-settings';
import { REQUESTS_NAME, unansweredFrame } from '../client/install-requests';
import type { RequestSettings } from '../dispatch/request-settings';
import type { Constructor } from '../types';

const DEFAULT_MAX_QUEUED_FRAMES = 1024;
const DEFAULT_WRITE_HIGH_WATER_MARK = 64 * 1024;
/** The stream codec of a protocol that names none: `raw()`, one shared instance. */
export const DEFAULT_STREAM_CODEC = new RawCodec();

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
  // A protocol with @OnCommand routes (or enhancers) gets a compiled router as its onData.
  const routed = compileRoutes(protocol, name, options, found.get('data'));
  const requests = compileRequestOptions(name, options);
  // A request client's frames are mostly replies: @OnData is only for the ones no request takes.
  // `requests` may come from the options token: then the compile with it (resolved) decides.
  const optionsPending = resolved === undefined && declared?.options !== undefined;
  if (!found.has('data') && routed === undefined && requests === undefined && !optionsPending) {
    throw new BootstrapError('TORSION_ERR_NO_DATA_HANDLER', `${name} has no @OnData() handler: add a method decorated with @OnData() (or @OnCommand() routes) to receive frames`, { target: name });
  }
  const proto = protocol.prototype as Record<string | symbol, unknown>;
  const fn = (kind: HandlerKind): Handler | undefined => {
    const method = found.get(kind);
    return method === undefined ? undefined : (proto[method] as Handler);
  };
  const names = {} as Record<HandlerKind, string>;
  for (const [kind, method] of found) names[kind] = String(method);
  if (routed !== undefined && !found.has('data')) names.data = ROUTES_NAME;
  else if (!found.has('data')) names.data = REQUESTS_NAME;
  const limits = compileLimits(name, options);
  // One codec option for every transport: a datagram codec makes the protocol a UDP one.
  const datagramCodec = isDatagramCodec(options.codec) ? (options.codec as DatagramCodec) : undefined;
  const codec = (datagramCodec === undefined ? options.codec ?? DEFAULT_STREAM_CODEC : DEFAULT_STREAM_CODEC) as Codec<unknown, unknown>;
  return {
    protocol,
    name,
    codec,
    decoders: new DecoderPool(codec),
    datagramCodec,
    onConnect: fn('connect'),
    onData: routed ?? fn('data') ?? (unansweredFrame as Handler),
    onClose: fn('close'),
    onError: fn('error'),
    onDrain: fn('drain'),
    onInputEnd: fn('inputEnd'),
    onIdle: fn('idle'),
    onShutdown: fn('shutdown'),
    idle: compileIdle(name, options),
    frameTimeoutMs: compileFrameTimeout(name, options, datagramCodec === undefined ? options.codec ?? DEFAULT_STREAM_CODEC : undefined),
    names,
    ...limits,
    stats: new ProtocolStats(name),
    requests,
  };
}

function compileRequestOptions(name: string, options: ProtocolOptions): RequestSettings | undefined {
  try {
    return compileRequests(options.requests);
  } catch (error) {
    throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `@Protocol() of ${name}: ${(error as Error).message}`, { target: name, cause: error });
  }
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

function compileIdle(name: string, options: ProtocolOptions): IdleTimes | undefined {
  try {
    return idleTimes(options.idle, undefined, `@Protocol() of ${name}`);
  } catch (error) {
    throw new BootstrapError('TORSION_ERR_INVALID_OPTION', (error as Error).message, { target: name, cause: error });
  }
}

const DEFAULT_FRAME_TIMEOUT_MS = 60_000;

/** `frameTimeoutMs`: default 60 s, but 0 for `raw()` (no partial frames) and datagram codecs. */
function compileFrameTimeout(name: string, options: ProtocolOptions, streamCodec: unknown): number {
  const value = options.frameTimeoutMs ?? (streamCodec === undefined || streamCodec instanceof RawCodec ? 0 : DEFAULT_FRAME_TIMEOUT_MS);
  if (!Number.isFinite(value) || value < 0) {
    throw new BootstrapError('TORSION_ERR_INVALID_OPTION', `@Protocol() of ${name}: frameTimeoutMs must be a number of ms >= 0 (0: off), got ${String(value)}`, { target: name });
  }
  return value;
}
