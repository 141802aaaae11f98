import { BootstrapError } from '../../errors';
import type { Logger } from '../../logger';
import type { Clock, TimerHandle } from '../../reactor/clock';
import type { ShutdownReport } from '../../reactor/shutdown-report';
import type { BoundAddress } from '../../transport/binder';
import type { ClusterSettings } from './cluster-options';
import { isTorsionMessage, type RequestMessage, type WorkerMessage } from './messages';
import type { ForkWorker, WorkerProcess } from './worker-process';

/** A worker process of the cluster, as the primary sees it (`app.workers`). */
export interface WorkerInfo {
  /** node:cluster's worker id, the `app.worker` of that process (a replacement gets a new one). */
  readonly id: number;
  /** Its OS process id; undefined when the fork failed before a process existed. */
  readonly pid: number | undefined;
  /** Its place in the pool, 0 to workers - 1: a replacement takes the slot of the worker it replaces. */
  readonly slot: number;
  /** 'starting' until every listener is bound, 'ready' while it serves, 'stopping' once told to shut down. */
  readonly state: 'starting' | 'ready' | 'stopping';
}

/** A live worker and what the primary knows of it. */
interface Member {
  readonly process: WorkerProcess;
  readonly slot: number;
  state: WorkerInfo['state'];
  readyAt: number | undefined;
  report: ShutdownReport | undefined;
  readonly exited: Promise<void>;
}

/** A place in the pool: its worker (if one runs), its crash streak, its pending re-fork. */
interface Slot {
  member: Member | undefined;
  /** Consecutive deaths of workers that had not served `stableAfterMs`. */
  failures: number;
  timer: TimerHandle | undefined;
}

/** A request to the workers that is waiting for answers. */
interface Pending {
  readonly answers: Map<number, unknown>;
  readonly waiting: Set<number>;
  readonly done: () => void;
}

/** Workers that exited at once (a SIGKILL) get this much longer to be reaped at the end of a shutdown. */
const REAP_MS = 5000;
/** What a graceful shutdown grants a worker beyond the close's own deadline (its providers' hooks, its exit). */
const EXIT_GRACE_MS = 3000;

/**
 * @internal
 * The primary's side of the cluster: keeps `settings.workers` workers running, one per slot.
 * A worker that dies is re-forked after the restart policy's wait for that slot's crash
 * streak, so a crash loop backs off instead of spinning; a worker that served
 * `stableAfterMs` resets its slot's streak. Shuts the workers down gracefully, and relays
 * metrics and health requests to them. Every wait is on `clock`.
 */
export class WorkerSupervisor {
  private readonly slots: Slot[] = [];
  private readonly members = new Set<Member>();
  private readonly pending = new Map<number, Pending>();
  private nextRequest = 1;
  private stopping = false;
  private starting: { resolve: () => void; reject: (error: Error) => void } | undefined;
  /** The addresses the workers reported (they share every listener, so they are the same for all). */
  addresses: BoundAddress[] = [];
  /** Workers re-forked after one died. */
  restarts = 0;

  constructor(
    private readonly settings: ClusterSettings,
    private readonly fork: ForkWorker,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly random: () => number = Math.random,
  ) {
    for (let i = 0; i < settings.workers; i++) this.slots.push({ member: undefined, failures: 0, timer: undefined });
  }

  /** The live workers, by slot. */
  get workers(): WorkerInfo[] {
    const out: WorkerInfo[] = [];
    for (const slot of this.slots) {
      const m = slot.member;
      if (m !== undefined) out.push({ id: m.process.id, pid: m.process.pid, slot: m.slot, state: m.state });
    }
    return out;
  }

  /** Slots whose worker serves now. */
  get ready(): number {
    return this.slots.filter((s) => s.member?.state === 'ready').length;
  }

  /**
   * Forks every worker and resolves once each has bound its listeners. A worker that fails its
   * bootstrap, or exits first, rejects it with that worker's error (after the others have been
   * killed): the start of a cluster fails as the start of one process does.
   */
  start(): Promise<void> {
    const started = new Promise<void>((resolve, reject) => (this.starting = { resolve, reject }));
    for (let i = 0; i < this.slots.length; i++) this.spawn(i);
    return started;
  }

  /**
   * Shuts every worker down: a worker that serves is told to close gracefully within
   * `timeoutMs` (its `@OnShutdown` handlers, its providers' `onShutdown()`), one still starting
   * gets SIGTERM; no worker is re-forked any more. A worker still alive `timeoutMs` + 3 s later
   * is killed (SIGKILL). Resolves with the workers' own shutdown reports once every one has exited.
   */
  async stop(timeoutMs: number): Promise<{ reports: ShutdownReport[]; killed: number }> {
    this.stopping = true;
    for (const slot of this.slots) this.cancelRestart(slot);
    const members = [...this.members];
    for (const m of members) {
      if (m.state === 'ready') {
        m.state = 'stopping';
        if (m.process.send({ torsion: 'shutdown', timeoutMs })) continue;
      }
      m.state = 'stopping';
      m.process.kill('SIGTERM');
    }
    const all = Promise.all(members.map((m) => m.exited));
    let killed = 0;
    if (!(await this.within(all, timeoutMs + EXIT_GRACE_MS))) {
      for (const m of this.members) {
        killed++;
        this.logger.warn({ workerId: m.process.id, pid: m.process.pid }, `worker ${m.process.id} has not exited ${timeoutMs + EXIT_GRACE_MS} ms after the shutdown began: killing it`);
        m.process.kill('SIGKILL');
      }
      await this.within(all, REAP_MS);
    }
    const reports = members.map((m) => m.report).filter((r): r is ShutdownReport => r !== undefined);
    return { reports, killed };
  }

  /**
   * Asks every ready worker (or only worker `id`) for its metrics or health; resolves with the
   * answers by worker id once all have answered, or at `timeoutMs` with those that did (a
   * worker that exits meanwhile simply has no answer).
   */
  request(kind: RequestMessage['torsion'], timeoutMs: number, id?: number): Promise<Map<number, unknown>> {
    const requestId = this.nextRequest++;
    const answers = new Map<number, unknown>();
    const waiting = new Set<number>();
    return new Promise((resolve) => {
      for (const m of this.members) {
        if (m.state !== 'ready' || (id !== undefined && m.process.id !== id)) continue;
        if (m.process.send({ torsion: kind, requestId })) waiting.add(m.process.id);
      }
      if (waiting.size === 0) return resolve(answers);
      // Answers arrive on later turns: registering the request after sending it is in time.
      const finish = (): void => {
        if (!this.pending.delete(requestId)) return;
        this.clock.clearTimer(timer);
        resolve(answers);
      };
      const timer = this.clock.setTimer(timeoutMs, finish);
      this.pending.set(requestId, { answers, waiting, done: finish });
    });
  }

  private spawn(index: number): void {
    const slot = this.slots[index];
    slot.timer = undefined;
    const process = this.fork(index);
    let exited!: () => void;
    const member: Member = { process, slot: index, state: 'starting', readyAt: undefined, report: undefined, exited: new Promise((resolve) => (exited = resolve)) };
    slot.member = member;
    this.members.add(member);
    process.onMessage((message) => {
      if (isTorsionMessage<WorkerMessage>(message)) this.onMessage(member, message);
    });
    process.onExit((code, signal) => {
      this.members.delete(member);
      if (slot.member === member) slot.member = undefined;
      for (const pending of this.pending.values()) if (pending.waiting.delete(process.id) && pending.waiting.size === 0) pending.done();
      exited();
      this.onExit(member, code, signal);
    });
  }

  private onMessage(member: Member, message: WorkerMessage): void {
    const id = member.process.id;
    switch (message.torsion) {
      case 'ready':
        if (member.state !== 'starting') return;
        member.state = 'ready';
        member.readyAt = this.clock.now();
        if (this.addresses.length > 0 && !sameAddresses(this.addresses, message.addresses)) {
          this.logger.warn({ workerId: id }, `worker ${id} listens on ${message.addresses.map(show).join(', ')}, not ${this.addresses.map(show).join(', ')} (a port 0 listener re-bound after every worker had died)`);
        }
        this.addresses = message.addresses;
        this.logger.info({ workerId: id, pid: member.process.pid }, `worker ${id} ready (slot ${member.slot})`);
        if (this.starting !== undefined && this.ready === this.slots.length) {
          this.starting.resolve();
          this.starting = undefined;
        }
        return;
      case 'failed': {
        const error = new BootstrapError(message.code, `worker ${id}: ${message.message}`, { target: message.target });
        member.state = 'stopping';
        member.process.kill('SIGKILL');
        if (this.starting !== undefined) return this.failStart(error);
        // The start failed already (another worker's error is the one reported), or we are stopping.
        if (this.stopping) return;
        this.logger.error({ workerId: id, err: error }, `worker ${id} could not start`);
        return;
      }
      case 'reply': {
        const pending = this.pending.get(message.requestId);
        if (pending === undefined || !pending.waiting.delete(id)) return;
        pending.answers.set(id, message.body);
        if (pending.waiting.size === 0) pending.done();
        return;
      }
      case 'closed':
        member.report = message.report;
        return;
    }
  }

  private onExit(member: Member, code: number | null, signal: string | null): void {
    const id = member.process.id;
    const how = signal === null ? `with code ${code}` : `on ${signal}`;
    if (this.stopping) {
      this.logger.info({ workerId: id }, `worker ${id} exited ${how}`);
      return;
    }
    if (this.starting !== undefined) {
      if (member.state === 'starting' || member.state === 'ready') {
        this.failStart(new BootstrapError('TORSION_ERR_WORKER_EXITED', `worker ${id} (pid ${member.process.pid}) exited ${how} before the cluster was up: its own output says why`, { target: 'workers' }));
      }
      return;
    }
    const slot = this.slots[member.slot];
    const served = member.readyAt === undefined ? 0 : this.clock.now() - member.readyAt;
    slot.failures = served >= this.settings.stableAfterMs ? 1 : slot.failures + 1;
    if (!this.settings.restart.retries(slot.failures)) {
      this.logger.error({ workerId: id }, `worker ${id} exited ${how}; slot ${member.slot} has failed ${slot.failures} times in a row: giving up on it (the cluster is unhealthy)`);
      return;
    }
    const delay = this.settings.restart.delay(slot.failures, this.random);
    this.logger.warn({ workerId: id }, `worker ${id} exited ${how}; re-forking slot ${member.slot} in ${delay} ms (failure ${slot.failures} in a row)`);
    slot.timer = this.clock.setTimer(delay, () => {
      this.restarts++;
      this.spawn(member.slot);
    });
  }

  /** The cluster could not start: every worker is killed and `start()` rejects with `error` once they have exited. */
  private failStart(error: Error): void {
    const starting = this.starting;
    if (starting === undefined) return;
    this.starting = undefined;
    this.stopping = true;
    for (const m of this.members) {
      if (m.state === 'stopping') continue; // killed already
      m.state = 'stopping';
      m.process.kill('SIGKILL');
    }
    const members = [...this.members];
    void this.within(Promise.all(members.map((m) => m.exited)), REAP_MS).then(() => starting.reject(error));
  }

  private cancelRestart(slot: Slot): void {
    if (slot.timer === undefined) return;
    this.clock.clearTimer(slot.timer);
    slot.timer = undefined;
  }

  /** Whether `promise` settled within `ms` of the clock. */
  private within(promise: Promise<unknown>, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimer(ms, () => resolve(false));
      void promise.then(() => {
        this.clock.clearTimer(timer);
        resolve(true);
      });
    });
  }
}

function show(address: BoundAddress): string {
  return address.path ?? `${address.host}:${address.port}`;
}

function sameAddresses(a: readonly BoundAddress[], b: readonly BoundAddress[]): boolean {
  return a.length === b.length && a.every((x, i) => show(x) === show(b[i]) && x.transport === b[i].transport);
}
