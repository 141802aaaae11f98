import type { Binder } from './binder';
import { serverErrorLogger } from './server-errors';
import { streamAcceptor } from './proxy-reader';
import { boundAddress, closeServer, listenStream } from './stream-listener';

/** Binds a plain TCP listener (Twisted's listenTCP). */
export const bindTcp: Binder = async (plan, accept, context) => {
  const { options } = plan;
  const server = await listenStream(
    { port: options.port, host: options.host, backlog: options.backlog, highWaterMark: plan.table.writeHighWaterMark, socket: plan.socket, onServerError: serverErrorLogger(context, plan) },
    streamAcceptor(plan, accept, 'tcp', context),
  );
  return { address: boundAddress(server, plan.table.name, 'tcp'), close: () => closeServer(server) };
};
