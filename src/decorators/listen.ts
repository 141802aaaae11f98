import type { Constructor } from '../types';
import { addListen } from '../metadata';

export type ListenTransport = 'tcp' | 'tls' | 'udp' | 'unix';

export interface ListenOptions {
  /** Port to bind; 0 picks a free one (ask the Application which). */
  port?: number;
  /** Interface to bind; default all interfaces, as with node:net and Twisted's listenTCP. */
  host?: string;
  /** Default 'tcp'. */
  transport?: ListenTransport;
  /** Unix socket path (transport 'unix'). */
  path?: string;
  /** Pending-connection queue length passed to listen(2). */
  backlog?: number;
  /** Further transport-specific options (TLS material, UDP type...). */
  [option: string]: unknown;
}

/** Binds the protocol to an address at bootstrap (Twisted's listenTCP). May be repeated. */
export function Listen(portOrOptions: number | ListenOptions): ClassDecorator {
  const options = typeof portOrOptions === 'number' ? { port: portOrOptions } : { ...portOrOptions };
  return (target) => {
    addListen(target as unknown as Constructor, options);
  };
}
