import { availableParallelism } from 'node:os';
import type { ReconnectOptions } from '../../decorators/options';
import { BootstrapError, describe } from '../../errors';
import { ReconnectPolicy } from '../../client/reconnect-policy';

/**
 * How node:cluster hands new connections to the workers. `'none'` (SCHED_NONE): every worker
 * accepts from the shared listening socket itself and the kernel picks one. `'rr'` (SCHED_RR):
 * the primary accepts every connection and passes it to the workers in turn, at ~0.1 ms of the
 * primary's time per connection.
 */
export type SchedulingPolicy = 'none' | 'rr';

/**
 * When the primary re-forks a worker that died: the `ReconnectPolicy` fields (a slot's
 * consecutive failures grow the wait from `initialDelayMs`, default here 100 ms, up to
 * `maxDelayMs`, default 30 s; `maxRetries` consecutive failures leave the slot empty), plus
 * `stableAfterMs`.
 */
export interface WorkerRestartOptions extends ReconnectOptions {
  /**
   * A worker that served at least this long before it died is not part of a crash loop: its
   * replacement waits only `initialDelayMs`, and the slot's failure count starts again.
   * Default 10000 ms.
   */
  stableAfterMs?: number;
}

/** @internal The cluster options of `bootstrap`, checked, with their defaults. */
export interface ClusterSettings {
  /** Worker processes to keep running. */
  readonly workers: number;
  readonly schedulingPolicy: SchedulingPolicy;
  readonly restart: ReconnectPolicy;
  readonly stableAfterMs: number;
}

/** `initialDelayMs` of a worker restart when none is given: a crash is re-forked quickly. */
const DEFAULT_RESTART_DELAY_MS = 100;
/** `stableAfterMs` when none is given. */
const DEFAULT_STABLE_AFTER_MS = 10_000;
/** More workers than this is a typo, not a deployment (each is a whole Node process). */
const MAX_WORKERS = 1024;

/**
 * Checks `workers`, `schedulingPolicy` and `workerRestart` before anything is forked; throws
 * BootstrapError naming the fix. `'auto'` is one worker per CPU the process may use
 * (`os.availableParallelism()`). The policy defaults to $NODE_CLUSTER_SCHED_POLICY (Node's own
 * variable), else `'none'`.
 */
export function clusterSettings(
  workers: number | 'auto',
  policy: SchedulingPolicy | undefined,
  restart: WorkerRestartOptions = {},
  cpus: () => number = availableParallelism,
): ClusterSettings {
  const count = workers === 'auto' ? cpus() : workers;
  if (!Number.isInteger(count) || count < 1 || count > MAX_WORKERS) {
    throw invalid(`workers must be 'auto' or an integer from 1 to ${MAX_WORKERS}, got ${JSON.stringify(workers)}`);
  }
  const chosen = policy ?? envPolicy() ?? 'none';
  if (chosen !== 'none' && chosen !== 'rr') throw invalid(`schedulingPolicy must be 'none' or 'rr', got ${JSON.stringify(policy)}`);
  if (restart === null || typeof restart !== 'object') throw invalid(`workerRestart must be an object ({ initialDelayMs, maxDelayMs, ... }), got ${String(restart)}`);
  let policyObject: ReconnectPolicy;
  try {
    policyObject = new ReconnectPolicy({ ...restart, initialDelayMs: restart.initialDelayMs ?? DEFAULT_RESTART_DELAY_MS });
  } catch (error) {
    throw invalid(`workerRestart: ${describe(error)}`);
  }
  const stableAfterMs = restart.stableAfterMs ?? DEFAULT_STABLE_AFTER_MS;
  if (!Number.isFinite(stableAfterMs) || stableAfterMs < 0) throw invalid(`workerRestart.stableAfterMs must be a finite number of ms >= 0, got ${stableAfterMs}`);
  return { workers: count, schedulingPolicy: chosen, restart: policyObject, stableAfterMs };
}

function envPolicy(): SchedulingPolicy | undefined {
  const value = process.env.NODE_CLUSTER_SCHED_POLICY;
  return value === 'none' || value === 'rr' ? value : undefined;
}

function invalid(message: string): BootstrapError {
  return new BootstrapError('TORSION_ERR_INVALID_OPTION', message, { target: 'workers' });
}
