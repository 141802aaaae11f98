'use strict';
// What is measured.  A workload names the example server it needs (the same name for the
// reference in bench/reference/<name>.js and for torsion's examples/<name>/), the smoke
// check that proves the server answers correctly, and the drives run against one fresh
// server instance per round.  Each drive yields figures; a figure with a target gets
// PASS/MISS on the torsion/reference ratio of the medians.
//
// Targets: `min` = the ratio must be at least this (higher is better),
//          `max` = the ratio must be at most this (lower is better).
//
// A `timed` loadgen drive gets `-w warm-up -d duration` from the run; a `sliced` one (rates
// only) is run on both sides at once, its measured time (a redis-benchmark drive's requests)
// cut into slices taken in turn (see interleave in run.js).

// loadgen echo-mode result -> error text when any echoed byte was wrong or a connection failed
function echoErrors(r) {
  if (r.errors === 0) return null;
  return `loadgen verified ${r.mismatch} wrong messages, ${r.extra_bytes} unexpected bytes, ${r.conn_err} failed connections`;
}

function workloads(cfg) {
  return [
    {
      id: 'raw-echo',
      title: 'raw echo',
      server: 'echo',
      smoke: 'bytes',
      drives: [
        {
          type: 'loadgen',
          what: '50 conns × 16 pipelined 64 B messages',
          args: ['-m', 'echo', '-c', '50', '-P', '16', '-s', '64'],
          timed: true,
          sliced: true,
          check: echoErrors,
          figures: [{ id: 'raw-echo.msgs', label: 'msgs/s (50c × 16 × 64 B)', key: 'msgs_per_s', better: 'higher', target: { min: 0.95 } }],
        },
        {
          type: 'loadgen',
          what: '16 conns × 4 pipelined 4 KiB messages',
          args: ['-m', 'echo', '-c', '16', '-P', '4', '-s', '4096'],
          timed: true,
          sliced: true,
          check: echoErrors,
          figures: [{ id: 'raw-echo.mbps', label: 'MB/s (16c × 4 × 4 KiB)', key: 'MBps', better: 'higher', target: { min: 0.95 } }],
        },
      ],
    },
    {
      id: 'line-echo',
      title: 'line echo',
      server: 'line-echo',
      smoke: 'lines',
      drives: [
        {
          type: 'loadgen',
          what: '50 conns × 16 pipelined 64 B lines',
          args: ['-m', 'echo', '-c', '50', '-P', '16', '-s', '64'],
          timed: true,
          sliced: true,
          check: echoErrors,
          figures: [{ id: 'line-echo.msgs', label: 'msgs/s (50c × 16 × 64 B)', key: 'msgs_per_s', better: 'higher', target: { min: 0.95 } }],
        },
      ],
    },
    {
      id: 'line-latency',
      title: 'line echo',
      server: 'line-echo',
      smoke: 'lines',
      drives: [
        {
          type: 'loadgen',
          what: '1 conn × 1 line in flight, 64 B',
          args: ['-m', 'echo', '-c', '1', '-P', '1', '-s', '64'],
          timed: true,
          check: echoErrors,
          figures: [
            { id: 'line-latency.p50', label: 'p50 µs (1c × 1)', key: 'p50_us', better: 'lower', target: null },
            { id: 'line-latency.p99', label: 'p99 µs (1c × 1)', key: 'p99_us', better: 'lower', target: { max: 1.10 } },
          ],
        },
      ],
    },
    {
      id: 'resp',
      title: 'RESP',
      server: 'resp-kv',
      smoke: 'resp',
      needs: 'redis-benchmark',
      drives: [1, 16].map((pipeline) => ({
        type: 'redis',
        sliced: true,
        what: `redis-benchmark -t ping,set,get -c 50 -P ${pipeline}`,
        tests: 'ping,set,get',
        clients: 50,
        pipeline,
        requests: pipeline === 1 ? cfg.redisRequestsP1 : cfg.redisRequestsP16,
        figures: ['PING_INLINE', 'PING_MBULK', 'SET', 'GET'].map((t) => ({
          id: `resp.p${pipeline}.${t.toLowerCase()}`,
          label: `${t} req/s (-P ${pipeline})`,
          key: t,
          better: 'higher',
          target: pipeline === 16 ? { min: 0.90 } : null,
        })),
      })),
    },
    {
      id: 'connrate',
      title: 'connection rate',
      server: 'line-echo',
      smoke: 'lines',
      drives: [
        {
          type: 'loadgen',
          what: `${cfg.connectors} concurrent connectors: connect, one 64 B line, echo, close`,
          args: ['-m', 'connrate', '-c', String(cfg.connectors), '-s', '64'],
          timed: true,
          // Both servers' rates still climb after 1 s of churn (JIT, heap growth); by second, in
          // one fresh process each: reference 8.7k, 11.0k, 12.0k, 12.8k, 13.2k, then flat;
          // torsion 7.0k, 9.5k, 11.6k, 11.7k, 12.2k, then flat. A 1 s warm-up measured the climb.
          warmup: cfg.connrateWarmup,
          sliced: true,
          check: (r) => (r.errors === 0 ? null
            : `connrate: ${r.err_echo} wrong/missing echoes, ${r.err_connect} failed connects, ${r.err_timeout} timeouts`),
          figures: [{ id: 'connrate.cps', label: `conns/s (${cfg.connectors} connectors)`, key: 'conns_per_s', better: 'higher', target: { min: 0.95 } }],
        },
      ],
    },
    {
      id: 'broadcast',
      title: 'broadcast',
      server: 'chat',
      smoke: 'chat',
      drives: [
        {
          type: 'broadcast',
          what: `${cfg.bcastMembers} members, one sender: ${cfg.bcastLines}-line passes in 16 KiB bursts, 2 in flight; ${cfg.bcastProbes} welcome probes`,
          members: cfg.bcastMembers,
          lines: cfg.bcastLines,
          warmupLines: 1024,
          burst: 16384,
          window: 2,
          duration: cfg.duration,
          probes: cfg.bcastProbes,
          bound: 240,
          check: (r) => r.error ?? null,
          figures: [
            { id: 'broadcast.msgs', label: `msgs/s (${cfg.bcastMembers} members)`, key: 'msgs_per_s', better: 'higher', target: { min: 0.90 } },
            { id: 'broadcast.cpu', label: 'srv CPU ns / msg', key: 'cpu_ns_per_msg', better: 'lower', target: { max: 1.10 } },
            { id: 'broadcast.welcome', label: `welcome ms, p50 of ${cfg.bcastProbes}`, key: 'welcome_p50_ms', better: 'lower', target: { max: 2.0 } },
          ],
        },
      ],
    },
    {
      id: 'idle-mem',
      title: 'idle memory',
      server: 'line-echo',
      smoke: 'lines',
      drives: [
        {
          type: 'loadgen',
          what: `${cfg.idleConns} idle connections (each pinged once), server RSS growth / connection`,
          args: ['-m', 'idle', '-n', String(cfg.idleConns), '-k', '256', '-H', String(cfg.idleHold), '-e', String(cfg.idleSettle)],
          bound: cfg.idleHold + cfg.idleConns * 0.001 + 10,
          check: (r) => (r.errors === 0 && r.established === cfg.idleConns ? null
            : `idle: ${r.established}/${cfg.idleConns} established, ${r.errors} errors (refused, wrong ping echo or dropped)`),
          figures: [{ id: 'idle-mem.bytes', label: `RSS bytes/conn (${cfg.idleConns} idle)`, key: 'bytes_per_conn', better: 'lower', target: { max: 1.10 } }],
        },
      ],
    },
  ];
}

module.exports = { workloads };
