import * as tls from 'node:tls';
import type { InjectionToken } from 'tsyringe';
import { OptionError } from '../errors';
import type { AcceptStream, BindContext, Binder } from './binder';
import { boundAddress, closeServer } from './stream-listener';
import { serverErrorLogger } from './server-errors';
import { applySocketSettings } from './socket-options';
import { proxiedTlsServer } from './tls-proxied';

/** Key material as node:tls takes it: key/cert (or pfx), optional ca, passphrase... */
export type TlsMaterial = tls.SecureContextOptions;

/**
 * The `tls` field of `@Listen({ transport: 'tls', tls })`. Every node:tls server option passes
 * through (ALPNProtocols, SNICallback, requestCert, rejectUnauthorized, ciphers...). Key material
 * comes, first found wins per field, from: this object, the `provider` token, the bootstrap
 * option `tls`. Never from a hard-coded path.
 */
export interface TlsListenOptions extends tls.TlsOptions {
  /** A DI token resolving to `TlsMaterial` (or a promise of it): certificates from config or a vault. */
  provider?: InjectionToken<TlsMaterial | Promise<TlsMaterial>>;
  /** Default 'TLSv1.2': older protocols are refused at the handshake. */
  minVersion?: tls.SecureVersion;
  /** A handshake not done within this many ms is aborted (default 10 s; node's own is 120 s). */
  handshakeTimeout?: number;
}

/** The token under which `bootstrap(M, { tls })` registers its material. */
export const TLS_MATERIAL: InjectionToken<TlsMaterial> = Symbol('torsion:tls-material');

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
const VERSIONS = new Set(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);

/** Merges the material sources and checks the result; throws OptionError naming the fix. */
export async function resolveTlsOptions(declared: unknown, context: BindContext, where: string): Promise<tls.TlsOptions> {
  if (declared !== undefined && (declared === null || typeof declared !== 'object')) {
    throw new OptionError(`${where}: tls must be an object of node:tls server options, got ${String(declared)}`);
  }
  const { provider, ...inline } = (declared ?? {}) as TlsListenOptions;
  const fromBootstrap = context.container.isRegistered(TLS_MATERIAL, true) ? context.container.resolve(TLS_MATERIAL) : undefined;
  let fromProvider: TlsMaterial | undefined;
  if (provider !== undefined) {
    if (!context.container.isRegistered(provider, true)) {
      throw new OptionError(`${where}: the tls provider ${String((provider as { name?: string }).name ?? provider.toString())} is not provided: add it to the providers of a module`);
    }
    fromProvider = await context.container.resolve(provider);
  }
  const options: tls.TlsOptions = { ...fromBootstrap, ...fromProvider, ...inline };
  options.minVersion ??= 'TLSv1.2';
  options.handshakeTimeout ??= DEFAULT_HANDSHAKE_TIMEOUT_MS;
  if (!VERSIONS.has(options.minVersion)) throw new OptionError(`${where}: tls.minVersion must be one of ${[...VERSIONS].join(', ')}, got ${String(options.minVersion)}`);
  const hasMaterial = (options.key !== undefined && options.cert !== undefined) || options.pfx !== undefined || options.SNICallback !== undefined;
  if (!hasMaterial) {
    throw new OptionError(`${where} has no TLS key and certificate: pass them as @Listen({ tls: { key, cert } }), a provider token (tls: { provider: TOKEN }), or bootstrap(M, { tls: { key, cert } })`);
  }
  return options;
}

/**
 * `@Listen({ transport: 'tls', port, tls })`. Connections open on 'secureConnection', after the
 * handshake: a failed handshake is logged with the peer and never reaches the protocol.
 */
export const bindTls: Binder = async (plan, accept, context) => {
  const { options, table } = plan;
  const where = `@Listen on ${table.name}`;
  const tlsOptions = await resolveTlsOptions(options.tls, context, where);
  const handshakeFailed = (error: Error, socket: tls.TLSSocket): void => {
    // node:tls leaves the socket open after a failed or timed-out handshake (the peer may never
    // send a byte, so nothing else would ever close it): each silent connect would hold an fd.
    socket.destroy();
    plan.stats?.refuse('tls_handshake');
    if (context.reactor.logLimiter.allow('TLS handshake failed')) context.reactor.logger.warn({ protocol: table.name, peer: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`, err: error }, 'TLS handshake failed');
  };
  // The listener's socket options go on each TLS socket, which hands them to the TCP one beneath it.
  const acceptTls: AcceptStream = (_plan, socket, transport, proxied) => {
    applySocketSettings(socket, plan.socket);
    accept(plan, socket, transport, proxied);
  };
  // Behind a PROXY header the listener is plain TCP until the header is read, then TLS.
  const server = plan.proxy === undefined ? tls.createServer({ ...tlsOptions, allowHalfOpen: true }) : proxiedTlsServer(plan, acceptTls, context, tlsOptions, handshakeFailed);
  server.on('secureConnection', (socket: tls.TLSSocket) => acceptTls(plan, socket, 'tls'));
  server.on('tlsClientError', handshakeFailed);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port ?? 0, host: options.host, backlog: options.backlog }, () => {
      server.off('error', reject);
      server.on('error', serverErrorLogger(context, plan));
      resolve();
    });
  });
  return { address: boundAddress(server, table.name, 'tls'), close: () => closeServer(server) };
};
