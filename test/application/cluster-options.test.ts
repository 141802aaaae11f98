import { BootstrapError } from 'torsion';
import { clusterSettings } from '../../src/application/cluster/cluster-options';
import { gatherHealth } from '../../src/application/cluster/cluster-metrics';
import type { HealthReport } from '../../src/application/metrics/health';

describe('clusterSettings', () => {
  const saved = process.env.NODE_CLUSTER_SCHED_POLICY;
  afterEach(() => {
    if (saved === undefined) delete process.env.NODE_CLUSTER_SCHED_POLICY;
    else process.env.NODE_CLUSTER_SCHED_POLICY = saved;
  });

  it("defaults to SCHED_NONE, 'auto' to one worker per CPU, and a quick first restart", () => {
    delete process.env.NODE_CLUSTER_SCHED_POLICY;
    const settings = clusterSettings('auto', undefined, {}, () => 6);
    expect(settings.workers).toBe(6);
    expect(settings.schedulingPolicy).toBe('none');
    expect(settings.restart.initialDelayMs).toBe(100);
    expect(settings.restart.maxDelayMs).toBe(30_000);
    expect(settings.stableAfterMs).toBe(10_000);
  });

  it("honours $NODE_CLUSTER_SCHED_POLICY when no schedulingPolicy is given, and the option over it", () => {
    process.env.NODE_CLUSTER_SCHED_POLICY = 'rr';
    expect(clusterSettings(2, undefined).schedulingPolicy).toBe('rr');
    expect(clusterSettings(2, 'none').schedulingPolicy).toBe('none');
  });

  it.each([0, -1, 1.5, Number.NaN, 5000, '2' as unknown as number])('refuses workers: %p', (workers) => {
    expect(() => clusterSettings(workers, undefined)).toThrow(BootstrapError);
    expect(() => clusterSettings(workers, undefined)).toThrow(/workers must be 'auto' or an integer from 1 to 1024/);
  });

  it('refuses an unknown scheduling policy and a bad restart policy, naming the fix', () => {
    expect(() => clusterSettings(2, 'random' as never)).toThrow(/schedulingPolicy must be 'none' or 'rr'/);
    expect(() => clusterSettings(2, undefined, { maxDelayMs: 10, initialDelayMs: 50 })).toThrow(/workerRestart: .*maxDelayMs/);
    expect(() => clusterSettings(2, undefined, { stableAfterMs: -1 })).toThrow(/stableAfterMs must be a finite number/);
    let caught: unknown;
    try {
      clusterSettings(2, undefined, { factor: 0 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'TORSION_ERR_INVALID_OPTION', target: 'workers' });
  });
});

describe('gatherHealth', () => {
  const ok: HealthReport = { status: 'ok', running: true, listeners: { bound: 1, declared: 1 }, clients: [{ protocol: 'Up', required: true, state: 'connected' }] };
  const down: HealthReport = { ...ok, status: 'unavailable', clients: [{ protocol: 'Up', required: true, state: 'waiting' }] };
  const workers = [
    { id: 1, pid: 11, slot: 0 },
    { id: 4, pid: 14, slot: 1 },
  ];

  it('is ok when every slot has a worker that reports ok, summing their listeners and clients', () => {
    const report = gatherHealth(true, 2, workers, new Map([[1, ok], [4, ok]]));
    expect(report.status).toBe('ok');
    expect(report.listeners).toEqual({ bound: 2, declared: 2 });
    expect(report.clients).toHaveLength(2);
    expect(report.workers).toEqual([
      { id: 1, pid: 11, slot: 0, status: 'ok' },
      { id: 4, pid: 14, slot: 1, status: 'ok' },
    ]);
  });

  it('is unavailable when a worker reports so, does not answer, a slot is empty, or the primary is closing', () => {
    expect(gatherHealth(true, 2, workers, new Map([[1, ok], [4, down]])).status).toBe('unavailable');
    const silent = gatherHealth(true, 2, workers, new Map([[1, ok]]));
    expect(silent.status).toBe('unavailable');
    expect(silent.workers?.[1].status).toBe('unavailable');
    expect(gatherHealth(true, 3, workers, new Map([[1, ok], [4, ok]])).status).toBe('unavailable');
    expect(gatherHealth(false, 2, workers, new Map([[1, ok], [4, ok]])).status).toBe('unavailable');
  });
});
