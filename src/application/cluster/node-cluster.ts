import cluster from 'node:cluster';
import type { Logger } from '../../logger';
import type { SchedulingPolicy } from './cluster-options';
import { WORKER_SLOT_ENV } from './messages';
import type { ForkWorker, WorkerProcess } from './worker-process';

/**
 * @internal
 * Forks workers with node:cluster: each runs the primary's own entry script again (same
 * `execArgv`), with `TORSION_WORKER_SLOT` in its environment, which makes its `bootstrap` a
 * worker's. Sets the scheduling policy first: node:cluster freezes it at the first fork.
 */
export function nodeClusterFork(policy: SchedulingPolicy, logger: Logger): ForkWorker {
  const wanted = policy === 'rr' ? cluster.SCHED_RR : cluster.SCHED_NONE;
  if (Object.keys(cluster.workers ?? {}).length > 0 || Object.keys(cluster.settings).length > 0) {
    // Something forked (or called setupPrimary) before: the policy is frozen already.
    if (cluster.schedulingPolicy !== wanted) logger.warn(`schedulingPolicy '${policy}' cannot apply: node:cluster was set up before this bootstrap (its policy is frozen)`);
  } else {
    cluster.schedulingPolicy = wanted;
  }
  return (slot) => wrap(cluster.fork({ [WORKER_SLOT_ENV]: String(slot) }), logger);
}

function wrap(worker: ReturnType<typeof cluster.fork>, logger: Logger): WorkerProcess {
  // An unheard 'error' would throw in the primary: a failed spawn, send or kill is logged instead.
  worker.on('error', (error: Error) => logger.warn({ workerId: worker.id, err: error }, `worker ${worker.id}: ${error.message}`));
  return {
    id: worker.id,
    pid: worker.process.pid,
    send(message) {
      if (!worker.isConnected()) return false;
      try {
        return worker.send(message);
      } catch {
        return false; // the channel closed between the check and the send
      }
    },
    kill(signal) {
      if (worker.process.exitCode === null && worker.process.signalCode === null) worker.process.kill(signal);
    },
    onMessage(listener) {
      worker.on('message', listener);
    },
    onExit(listener) {
      // Both the exit and the channel's close: only then has every message arrived, and has
      // node:cluster released the worker's share of the listening sockets.
      let code: number | null = null;
      let signal: string | null = null;
      let exited = false;
      let disconnected = !worker.isConnected();
      let told = false;
      const settle = (): void => {
        if (!exited || !disconnected || told) return;
        told = true;
        listener(code, signal);
      };
      worker.once('exit', (c: number | null, s: string | null) => {
        code = c;
        signal = s;
        exited = true;
        settle();
      });
      worker.once('disconnect', () => {
        disconnected = true;
        settle();
      });
      // A worker that never spawned (EAGAIN, a missing entry script) emits 'error' and no 'exit' may follow.
      worker.process.once('error', () => {
        if (worker.process.pid !== undefined) return; // a failed send or kill: the process lives on
        exited = true;
        disconnected = true;
        settle();
      });
    },
  };
}
