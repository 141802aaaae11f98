import { MemoryLogger, VirtualClock, nextTurn } from 'torsion/testing';
import { BootstrapError } from 'torsion';
import { clusterSettings, type WorkerRestartOptions } from '../../src/application/cluster/cluster-options';
import type { PrimaryMessage } from '../../src/application/cluster/messages';
import { WorkerSupervisor } from '../../src/application/cluster/supervisor';
import type { WorkerProcess } from '../../src/application/cluster/worker-process';
import type { ShutdownReport } from '../../src/reactor/shutdown-report';

/** A worker process driven by hand: what the primary sent it, signals it got, and its side of the IPC. */
class FakeWorker implements WorkerProcess {
  readonly sent: PrimaryMessage[] = [];
  readonly signals: string[] = [];
  private messageListener: ((message: unknown) => void) | undefined;
  private exitListener: ((code: number | null, signal: string | null) => void) | undefined;
  alive = true;

  constructor(
    readonly id: number,
    readonly pid: number,
    readonly slot: number,
  ) {}

  send(message: PrimaryMessage): boolean {
    if (!this.alive) return false;
    this.sent.push(message);
    return true;
  }
  kill(signal: NodeJS.Signals): void {
    this.signals.push(signal);
  }
  onMessage(listener: (message: unknown) => void): void {
    this.messageListener = listener;
  }
  onExit(listener: (code: number | null, signal: string | null) => void): void {
    this.exitListener = listener;
  }

  say(message: unknown): void {
    this.messageListener?.(message);
  }
  ready(port = 7000): void {
    this.say({ torsion: 'ready', addresses: [{ protocol: 'Echo', transport: 'tcp', host: '127.0.0.1', port }] });
  }
  exit(code: number | null, signal: string | null = null): void {
    this.alive = false;
    this.exitListener?.(code, signal);
  }
}

const REPORT: ShutdownReport = { durationMs: 3, closed: 2, aborted: 0, protocols: { Echo: { closed: 2, aborted: 0 } }, clientsClosed: 0, framesDiscarded: 0 };

function setup(workers: number, restart: WorkerRestartOptions = {}) {
  const clock = new VirtualClock();
  const logs = new MemoryLogger();
  const forked: FakeWorker[] = [];
  const settings = clusterSettings(workers, 'none', { jitter: 0, ...restart });
  const supervisor = new WorkerSupervisor(
    settings,
    (slot) => {
      const worker = new FakeWorker(forked.length + 1, 1000 + forked.length, slot);
      forked.push(worker);
      return worker;
    },
    clock,
    logs,
  );
  return { clock, logs, forked, supervisor };
}

/** Lets promise continuations (the supervisor's awaits) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await nextTurn();
}

describe('WorkerSupervisor', () => {
  it('starts once every worker has bound its listeners, and knows their shared addresses', async () => {
    const { forked, supervisor } = setup(2);
    let up = false;
    const started = supervisor.start().then(() => (up = true));
    expect(forked.map((w) => w.slot)).toEqual([0, 1]);
    forked[0].ready();
    await settle();
    expect(up).toBe(false);
    forked[1].ready();
    await started;
    expect(supervisor.addresses).toEqual([{ protocol: 'Echo', transport: 'tcp', host: '127.0.0.1', port: 7000 }]);
    expect(supervisor.workers).toEqual([
      { id: 1, pid: 1000, slot: 0, state: 'ready' },
      { id: 2, pid: 1001, slot: 1, state: 'ready' },
    ]);
    expect(supervisor.ready).toBe(2);
  });

  it("rejects the start with a worker's own bootstrap error (its code), after killing every worker", async () => {
    const { forked, supervisor } = setup(2);
    const started = supervisor.start();
    let outcome: unknown;
    started.catch((error: unknown) => (outcome = error));
    forked[0].ready();
    forked[1].say({ torsion: 'failed', code: 'TORSION_ERR_INIT_FAILED', message: 'Db.onInit() failed: refused', target: 'Db' });
    expect(forked[0].signals).toEqual(['SIGKILL']);
    expect(forked[1].signals).toEqual(['SIGKILL']);
    await settle();
    expect(outcome).toBeUndefined(); // not before the workers have exited
    forked[0].exit(null, 'SIGKILL');
    forked[1].exit(null, 'SIGKILL');
    await settle();
    expect(outcome).toBeInstanceOf(BootstrapError);
    expect(outcome).toMatchObject({ code: 'TORSION_ERR_INIT_FAILED', target: 'Db', message: 'worker 2: Db.onInit() failed: refused' });
    expect(forked).toHaveLength(2); // nothing re-forked
  });

  it("reports a failed start once: a second worker's failure, arriving while the first is reaped, logs nothing", async () => {
    const { forked, supervisor, logs } = setup(2);
    const started = supervisor.start();
    started.catch(() => undefined);
    forked[0].say({ torsion: 'failed', code: 'TORSION_ERR_ADDRESS_IN_USE', message: 'Echo cannot listen on tcp 127.0.0.1:7000: EADDRINUSE' });
    forked[1].say({ torsion: 'failed', code: 'TORSION_ERR_ADDRESS_IN_USE', message: 'Echo cannot listen on tcp 127.0.0.1:7000: EADDRINUSE' });
    forked[0].exit(null, 'SIGKILL');
    forked[1].exit(null, 'SIGKILL');
    await expect(started).rejects.toMatchObject({ code: 'TORSION_ERR_ADDRESS_IN_USE', message: 'worker 1: Echo cannot listen on tcp 127.0.0.1:7000: EADDRINUSE' });
    expect(logs.records.filter((r) => r.level === 'error' || r.level === 'warn')).toEqual([]);
  });

  it('rejects the start when a worker exits before listening (TORSION_ERR_WORKER_EXITED)', async () => {
    const { forked, supervisor } = setup(1);
    const started = supervisor.start();
    forked[0].exit(1);
    await expect(started).rejects.toMatchObject({ code: 'TORSION_ERR_WORKER_EXITED' });
    expect(forked).toHaveLength(1);
  });

  it('re-forks a worker that dies, into its slot, after the restart delay', async () => {
    const { clock, forked, supervisor, logs } = setup(2);
    const started = supervisor.start();
    forked[0].ready();
    forked[1].ready();
    await started;
    clock.advance(60_000); // served long: not a crash loop
    forked[1].exit(null, 'SIGKILL');
    expect(supervisor.workers.map((w) => w.id)).toEqual([1]);
    clock.advance(99);
    expect(forked).toHaveLength(2);
    clock.advance(1);
    expect(forked).toHaveLength(3);
    expect(forked[2].slot).toBe(1);
    forked[2].ready();
    expect(supervisor.workers.map((w) => [w.id, w.slot])).toEqual([
      [1, 0],
      [3, 1],
    ]);
    expect(supervisor.restarts).toBe(1);
    expect(logs.records.some((r) => r.level === 'warn' && r.msg === 'worker 2 exited on SIGKILL; re-forking slot 1 in 100 ms (failure 1 in a row)')).toBe(true);
  });

  it('backs off a crash loop (100, 200, 400 ms... capped) instead of spinning, and a worker that served stableAfterMs resets it', async () => {
    const { clock, forked, supervisor } = setup(1, { initialDelayMs: 100, maxDelayMs: 1000, stableAfterMs: 5000 });
    const started = supervisor.start();
    forked[0].ready();
    await started;
    const delays: number[] = [];
    // Each replacement crashes at once; measure how long the primary waited before the next fork.
    for (let crash = 0; crash < 7; crash++) {
      const before = forked.length;
      forked[forked.length - 1].exit(1);
      const at = clock.now();
      for (let waited = 0; forked.length === before && waited < 10_000; waited++) clock.advance(1);
      expect(forked.length).toBe(before + 1);
      delays.push(clock.now() - at);
    }
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
    // This one serves long enough: its death is a first failure again.
    forked[forked.length - 1].ready();
    clock.advance(5000);
    const before = forked.length;
    forked[forked.length - 1].exit(1);
    clock.advance(99);
    expect(forked.length).toBe(before);
    clock.advance(1);
    expect(forked.length).toBe(before + 1);
  });

  it('gives a slot up after maxRetries consecutive failures, and the cluster is no longer whole', async () => {
    const { clock, forked, supervisor, logs } = setup(1, { maxRetries: 2 });
    const started = supervisor.start();
    forked[0].ready();
    await started;
    forked[0].exit(1);
    clock.advance(100);
    forked[1].exit(1);
    clock.advance(200);
    expect(forked).toHaveLength(3);
    forked[2].exit(1);
    clock.advance(60_000);
    expect(forked).toHaveLength(3);
    expect(supervisor.workers).toEqual([]);
    expect(logs.at('error').map((r) => r.msg)).toEqual(['worker 3 exited with code 1; slot 0 has failed 3 times in a row: giving up on it (the cluster is unhealthy)']);
  });

  it('kills a worker whose bootstrap fails after the start, and re-forks it with backoff', async () => {
    const { clock, forked, supervisor } = setup(1);
    const started = supervisor.start();
    forked[0].ready();
    await started;
    forked[0].exit(1);
    clock.advance(100);
    forked[1].say({ torsion: 'failed', code: 'TORSION_ERR_INIT_FAILED', message: 'no database' });
    expect(forked[1].signals).toEqual(['SIGKILL']);
    forked[1].exit(null, 'SIGKILL');
    clock.advance(199);
    expect(forked).toHaveLength(2);
    clock.advance(1);
    expect(forked).toHaveLength(3);
  });

  it('stops: a serving worker is told to shut down, a starting one gets SIGTERM, a pending re-fork is cancelled, reports are collected', async () => {
    const { clock, forked, supervisor } = setup(3);
    const started = supervisor.start();
    for (const w of forked) w.ready();
    await started;
    forked[2].exit(1); // its re-fork is pending
    clock.advance(60_000 - 1); // would have re-forked long ago: it did (at 100 ms); that replacement is starting
    expect(forked).toHaveLength(4);
    const stopped = supervisor.stop(2000);
    expect(forked[0].sent).toEqual([{ torsion: 'shutdown', timeoutMs: 2000 }]);
    expect(forked[1].sent).toEqual([{ torsion: 'shutdown', timeoutMs: 2000 }]);
    expect(forked[3].signals).toEqual(['SIGTERM']);
    forked[0].say({ torsion: 'closed', report: REPORT });
    forked[0].exit(0);
    forked[1].say({ torsion: 'closed', report: REPORT });
    forked[1].exit(0);
    forked[3].exit(null, 'SIGTERM');
    const result = await stopped;
    expect(result).toEqual({ reports: [REPORT, REPORT], killed: 0 });
    clock.advance(60_000);
    expect(forked).toHaveLength(4); // nothing re-forked after the stop
  });

  it('kills (SIGKILL) a worker still alive 3 s past the shutdown deadline', async () => {
    const { clock, forked, supervisor } = setup(2);
    const started = supervisor.start();
    for (const w of forked) w.ready();
    await started;
    let result: { killed: number } | undefined;
    void supervisor.stop(1000).then((r) => (result = r));
    forked[0].exit(0);
    clock.advance(3999);
    await settle();
    expect(forked[1].signals).toEqual([]);
    clock.advance(1);
    await settle();
    expect(forked[1].signals).toEqual(['SIGKILL']);
    forked[1].exit(null, 'SIGKILL');
    await settle();
    expect(result?.killed).toBe(1);
  });

  it('gathers answers from the ready workers; one that exits or does not answer in time is left out', async () => {
    const { clock, forked, supervisor } = setup(3);
    const started = supervisor.start();
    for (const w of forked) w.ready();
    await started;
    const asked = supervisor.request('metrics', 3000);
    const ids = forked.map((w) => (w.sent[0] as { requestId: number }).requestId);
    expect(new Set(ids).size).toBe(1);
    forked[0].say({ torsion: 'reply', requestId: ids[0], body: ['a'] });
    forked[1].exit(1);
    let answers: Map<number, unknown> | undefined;
    void asked.then((a) => (answers = a));
    await settle();
    expect(answers).toBeUndefined(); // worker 3 has not answered yet
    clock.advance(3000);
    await settle();
    expect(answers).toEqual(new Map([[1, ['a']]]));
    // One worker only, by id.
    const one = supervisor.request('health', 3000, 3);
    const last = forked[2].sent[forked[2].sent.length - 1] as { requestId: number; torsion: string };
    expect(last.torsion).toBe('health');
    expect(forked[0].sent).toHaveLength(1);
    forked[2].say({ torsion: 'reply', requestId: last.requestId, body: { status: 'ok' } });
    await expect(one).resolves.toEqual(new Map([[3, { status: 'ok' }]]));
  });

  it('ignores messages that are not torsion\u2019s (the application\u2019s own IPC)', async () => {
    const { forked, supervisor } = setup(1);
    const started = supervisor.start();
    forked[0].say({ cmd: 'mine' });
    forked[0].say('text');
    forked[0].ready();
    await expect(started).resolves.toBeUndefined();
  });
});
