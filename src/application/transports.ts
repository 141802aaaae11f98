import type { Socket } from 'node:net';
import type { DependencyContainer } from 'tsyringe';
import type { Reactor } from '../reactor/reactor';
import type { ListenPlan } from './listen-plan';
import type { BoundAddress } from '../transport/stream-listener';
import { boundAddress, closeServer, listenStream } from '../transport/stream-listener';
import { bindTls } from '../transport/tls';
import { bindUnix } from '../transport/unix';
import { bindUdp } from '../transport/udp';
import { serverErrorLogger } from '../transport/server-errors';

/** A bound listener, owned by the reactor. */
export interface Listener {
  readonly address: BoundAddress;
  close(): Promise<void>;
}

/** Hands each accepted stream socket to the application (which opens a Connection). */
export type AcceptStream = (plan: ListenPlan, socket: Socket, transport: string) => void;

/** What a binder may use besides its plan: the root container (TLS material, UDP protocol instances) and the reactor. */
export interface BindContext {
  readonly container: DependencyContainer;
  readonly reactor: Reactor;
}

/** Binds one listener; rejects with the OS error (EADDRINUSE, EACCES...). */
export type Binder = (plan: ListenPlan, accept: AcceptStream, context: BindContext) => Promise<Listener>;

const bindTcp: Binder = async (plan, accept, context) => {
  const { options } = plan;
  const server = await listenStream(
    { port: options.port, host: options.host, backlog: options.backlog, highWaterMark: plan.table.writeHighWaterMark, onServerError: serverErrorLogger(context, plan) },
    (socket) => accept(plan, socket, 'tcp'),
  );
  return { address: boundAddress(server, plan.table.name, 'tcp'), close: () => closeServer(server) };
};

/** Transport name -> binder. Each transport module adds its entry here. */
export const binders = new Map<string, Binder>([
  ['tcp', bindTcp],
  ['tls', bindTls],
  ['unix', bindUnix],
  ['udp', bindUdp],
]);
