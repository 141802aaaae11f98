#!/usr/bin/env node
'use strict';
// torsion benchmark harness: the same workloads against a hand-written node:net
// reference server and against torsion's example servers, alternating, several rounds,
// a fresh server per round; prints medians, torsion/reference ratios and targets.
// `npm run bench` (builds first) or `node bench/run.js --help`.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer } = require('./lib/server');
const { ensureLoadgen, loadgen } = require('./lib/loadgen');
const { redisBenchmarkPath, redisBenchmark } = require('./lib/redis');
const { broadcast } = require('./lib/broadcast');
const { smokeCheck } = require('./lib/smoke');
const { workloads } = require('./lib/workloads');
const { median, verdict, table, roundRatios, fmtNum } = require('./lib/report');
const { childNofileLimit, cpuSeconds, pin } = require('./lib/proc');

const REPO = path.resolve(__dirname, '..');
const DEFAULT_REF_CMD = 'node bench/reference/{name}.js';
const DEFAULT_TORSION_CMD = 'node scripts/example.js {name}';

const HELP = `usage: node bench/run.js [options]      (npm run bench -- [options])

  --rounds N           rounds per workload, each side restarted every round (default 5, --quick 2)
  --quick              shorter drives and fewer rounds (a few minutes)
  --only a,b           run only these workloads: raw-echo, line-echo, line-latency, resp, connrate,
                       broadcast, idle-mem
  --skip a,b           run all but these
  --duration S         measured seconds per loadgen drive (default 3, --quick 1.5; a rate drive's
                       are its slices': 12 × 0.5 s = 6 s, --quick 3 × 0.5 s)
  --warmup S           warm-up seconds before each loadgen drive (default 1, connrate 3; --quick 0.5,
                       connrate 1)
  --slices N           rate drives (raw echo, line echo, RESP, connection rate) run on both sides at
                       once, their measured seconds (RESP: requests) cut into N slices taken in turn,
                       A B B A ... (default 12, --quick 3; 1 = each side's whole drive in turn)
  --idle-conns N       idle connections for idle-mem (default 10000)
  --connectors N       concurrent connectors for connrate (default 50: enough to saturate the server)
  --members N          chat members for broadcast (default 200)
  --bcast-lines N      lines per broadcast pass (default 8192, --quick 2048)
  --torsion-cmd CMD    shell command starting the "torsion" side; {name} = echo | line-echo | resp-kv | chat
                       (default "${DEFAULT_TORSION_CMD}", env TORSION_BENCH_CMD).
                       e.g. --torsion-cmd "${DEFAULT_REF_CMD}" benchmarks reference vs reference
  --ref-cmd CMD        the same for the reference side (default "${DEFAULT_REF_CMD}", env REF_BENCH_CMD)
  --workers N          start the torsion side with WORKERS=N (examples run in N node:cluster workers);
                       CPU and RSS are summed over the primary and its workers. Against one process:
                       --workers 2 --ref-cmd "${DEFAULT_TORSION_CMD}" --only line-echo,connrate
  --json FILE          write all per-round figures as JSON (default bench/build/results.json)
  --pin                pin servers to CPU 1 and load generators to CPU 0 (taskset); steadier
                       figures on a dedicated machine, worse when other work shares it
  --strict             exit 1 when a target is missed (default: report only)
  --verbose            print every loadgen / redis-benchmark result line
  --help

Every server is started with PORT=0 HOST=127.0.0.1 and must print "listening tcp <host>:<port>"
on stdout once bound; SIGTERM stops it.  Exit code 1 when a server answers wrongly, crashes or
does not start; 2 on a harness error.`;

function parseArgs(argv) {
  const o = {
    rounds: null, slices: null, quick: false, only: null, skip: [], duration: null, warmup: null, idleConns: 10000, connectors: 50, members: 200, bcastLines: null,
    torsionCmd: process.env.TORSION_BENCH_CMD || null, refCmd: process.env.REF_BENCH_CMD || null,
    json: path.join(__dirname, 'build', 'results.json'), strict: false, verbose: false, pin: false, workers: null,
  };
  const num = (v, name, min, max) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} must be a number in [${min}, ${max}]`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--rounds': o.rounds = Math.floor(num(val(), a, 1, 50)); break;
      case '--quick': o.quick = true; break;
      case '--only': o.only = val().split(',').filter(Boolean); break;
      case '--skip': o.skip = val().split(',').filter(Boolean); break;
      case '--duration': o.duration = num(val(), a, 0.2, 60); break;
      case '--warmup': o.warmup = num(val(), a, 0, 30); break;
      case '--slices': o.slices = Math.floor(num(val(), a, 1, 30)); break;
      case '--idle-conns': o.idleConns = Math.floor(num(val(), a, 10, 100000)); break;
      case '--connectors': o.connectors = Math.floor(num(val(), a, 1, 1000)); break;
      case '--members': o.members = Math.floor(num(val(), a, 1, 10000)); break;
      case '--bcast-lines': o.bcastLines = Math.floor(num(val(), a, 1, 1_000_000)); break;
      case '--torsion-cmd': o.torsionCmd = val(); break;
      case '--ref-cmd': o.refCmd = val(); break;
      case '--workers': o.workers = Math.floor(num(val(), a, 1, 64)); break;
      case '--json': o.json = path.resolve(val()); break;
      case '--strict': o.strict = true; break;
      case '--pin': o.pin = true; break;
      case '--verbose': case '-v': o.verbose = true; break;
      case '--help': case '-h': console.log(HELP); process.exit(0); break;
      default: throw new Error(`unknown option ${a} (see --help)`);
    }
  }
  return o;
}

function config(o) {
  const q = o.quick;
  return {
    rounds: o.rounds ?? (q ? 2 : 5),
    warmup: o.warmup ?? (q ? 0.5 : 1),
    duration: o.duration ?? (q ? 1.5 : 3),
    // Rate drives: 0.5 s slices. Twelve of them put the reference against itself within
    // 0.99–1.01 by round (two 5-round runs); six read 0.89–1.01 the same day (see bench/README).
    slicedDuration: o.duration ?? (q ? 1.5 : 6),
    // A fresh server's connection rate still climbs after 1 s (see connrate in workloads.js).
    connrateWarmup: o.warmup ?? (q ? 1 : 3),
    slices: o.slices ?? (q ? 3 : 12),
    idleConns: o.idleConns,
    idleHold: q ? 2 : 3,
    idleSettle: 1,
    connectors: o.connectors,
    bcastMembers: o.members,
    bcastLines: o.bcastLines ?? (q ? 2048 : 8192),
    bcastProbes: q ? 3 : 5,
    redisRequestsP1: q ? 50_000 : 150_000,
    redisRequestsP16: q ? 600_000 : 1_500_000,
    redisWarmup: q ? 20_000 : 50_000,
    maxMinutes: q ? 8 : 40, // hard stop: remaining rounds are skipped, with a note
  };
}

const log = (s) => process.stderr.write(`${s}\n`);

async function main() {
  let opts;
  try { opts = parseArgs(process.argv.slice(2)); } catch (e) { log(`bench: ${e.message}`); return 2; }
  const cfg = config(opts);
  const notes = [];
  const failures = [];
  const started = Date.now();

  const nofile = childNofileLimit();
  if (nofile < cfg.idleConns + 200) {
    const n = Math.max(100, nofile - 200);
    notes.push(`open-file limit ${nofile}: idle-mem uses ${n} connections instead of ${cfg.idleConns}`);
    cfg.idleConns = n;
  }
  if (nofile < cfg.bcastMembers + 100) {
    const n = Math.max(2, nofile - 100);
    notes.push(`open-file limit ${nofile}: broadcast uses ${n} members instead of ${cfg.bcastMembers}`);
    cfg.bcastMembers = n;
  }
  if (opts.pin) {
    if (os.cpus().length < 2) { log('bench: --pin needs at least 2 CPUs'); return 2; }
    pin.client = 0;
    pin.server = 1;
  }
  try { ensureLoadgen(log); } catch (e) { log(`bench: ${e.message}`); return 2; }
  const redisBin = redisBenchmarkPath();

  const sides = [
    { key: 'ref', name: 'reference', cmd: opts.refCmd || DEFAULT_REF_CMD },
    { key: 'tor', name: 'torsion', cmd: opts.torsionCmd || DEFAULT_TORSION_CMD, isDefault: !opts.torsionCmd },
  ];
  // why the torsion side cannot run for a server name (null = it can)
  const torsionUnavailable = (name) => {
    if (!sides[1].isDefault) return null;
    if (!fs.existsSync(path.join(REPO, 'scripts', 'example.js'))) return 'scripts/example.js missing';
    if (!fs.existsSync(path.join(REPO, 'examples', name))) return `examples/${name}/ missing`;
    return null;
  };

  let selected = workloads(cfg);
  const known = new Set(selected.map((w) => w.id));
  for (const id of [...(opts.only || []), ...opts.skip]) {
    if (!known.has(id)) { log(`bench: unknown workload "${id}" (known: ${[...known].join(', ')})`); return 2; }
  }
  if (opts.only) selected = selected.filter((w) => opts.only.includes(w.id));
  selected = selected.filter((w) => !opts.skip.includes(w.id));

  log(`bench: ${cfg.rounds} rounds, loadgen ${cfg.warmup}s warm-up + ${cfg.duration}s measured (rate drives ${cfg.slicedDuration}s in ${cfg.slices} slices); reference: ${sides[0].cmd}; torsion: ${opts.workers ? `WORKERS=${opts.workers} ` : ''}${sides[1].cmd}`);
  const rows = [];
  const results = []; // every per-round figure, for --json
  const otherCpu = []; // cores used by processes other than server and loadgen, per drive
  const lgCpu = [];
  const sigkilled = new Set();

  for (const w of selected) {
    const wrows = w.drives.flatMap((d) => d.figures.map((f) => ({
      workload: w.id, title: w.title, label: f.label, target: f.target, better: f.better, ref: [], tor: [], refCpu: [], torCpu: [], note: '',
    })));
    rows.push(...wrows);
    if (w.needs === 'redis-benchmark' && !redisBin) {
      notes.push(`${w.id}: skipped, redis-benchmark not on PATH (Debian/Ubuntu: apt-get install redis-tools)`);
      for (const r of wrows) r.note = 'no redis-benchmark';
      continue;
    }
    const torNote = torsionUnavailable(w.server);
    if (torNote) {
      notes.push(`${w.id}: torsion side skipped (${torNote})`);
      for (const r of wrows) r.note = 'not available';
    }
    const broken = new Set(); // sides that failed in this workload: not retried
    // where each drive's figures start in wrows
    const firstFigure = [];
    w.drives.reduce((n, d) => (firstFigure.push(n), n + d.figures.length), 0);
    const failed = (side, message) => {
      failures.push(message);
      broken.add(side.key);
      log(`  FAIL ${message}`);
      for (const r of wrows) if (!r.note) r.note = side.key === 'tor' ? 'failed' : r.note;
    };
    const record = (run, di, got) => {
      const d = w.drives[di];
      if (got.otherCpu >= 0) otherCpu.push(got.otherCpu);
      if (got.lgCpu >= 0) lgCpu.push(got.lgCpu);
      const parts = [];
      d.figures.forEach((f, i) => {
        const row = wrows[firstFigure[di] + i];
        const v = got.values[f.key];
        row[run.side.key].push(v);
        row[`${run.side.key}Cpu`].push(got.cpu);
        results.push({ workload: w.id, figure: f.id, side: run.side.key, round: run.round, value: v, srvCpu: got.cpu });
        parts.push(`${f.label.replace(/ \(.*/, '')} ${fmtNum(v)}`);
      });
      log(`  ${run.label}: ${parts.join(', ')} (srv cpu ${fmtNum(got.cpu)})`);
    };
    const stop = async (run) => {
      const exit = await run.srv.stop();
      if (exit && exit.signal === 'SIGKILL' && !sigkilled.has(run.side.key + w.server)) {
        sigkilled.add(run.side.key + w.server);
        notes.push(`${run.side.name} ${w.server}: did not exit within 3 s of SIGTERM, was SIGKILLed`);
      }
    };
    for (let round = 1; round <= cfg.rounds; round++) {
      if (Date.now() - started > cfg.maxMinutes * 60_000) {
        notes.push(`${w.id}: stopped after ${round - 1} rounds, the run exceeded ${cfg.maxMinutes} minutes`);
        break;
      }
      const order = round % 2 === 1 ? sides : [sides[1], sides[0]]; // ABBA: cancels drift
      // Both sides' servers are up for the whole round (the one not driven is idle), so that a
      // sliced drive can alternate between them.
      let runs = [];
      try {
        for (const side of order) {
          if (broken.has(side.key) || (side.key === 'tor' && torNote)) continue;
          const run = { side, round, label: `${w.id} ${side.name} round ${round}/${cfg.rounds}`, srv: null };
          try {
            const env = side.key === 'tor' && opts.workers ? { WORKERS: String(opts.workers) } : {};
            run.srv = await startServer(side.cmd.replaceAll('{name}', w.server), { cwd: REPO, label: run.label, env });
            runs.push(run);
            try { await smokeCheck(w.smoke, run.srv.host, run.srv.port); } catch (e) { throw new Error(`${run.label}: smoke check: ${e.message}`); }
          } catch (e) {
            failed(side, e.message);
            if (run.srv) { runs = runs.filter((r) => r !== run); await stop(run); }
          }
        }
        for (let di = 0; di < w.drives.length; di++) {
          const d = w.drives[di];
          const got = d.sliced && runs.length > 1 && cfg.slices > 1
            ? await interleave(d, runs, cfg, redisBin, opts)
            : await inTurn(d, runs, cfg, redisBin, opts);
          for (const run of [...runs]) {
            const g = got.get(run);
            const error = g.error ?? (run.srv.exited() ? `server exited during "${d.what}" (${JSON.stringify(run.srv.exitInfo())}) ${run.srv.stderrTail()}` : null);
            if (error) {
              failed(run.side, `${run.label}: ${d.what}: ${error}`);
              runs = runs.filter((r) => r !== run);
              await stop(run);
              continue;
            }
            record(run, di, g);
          }
        }
      } finally {
        for (const run of runs) await stop(run);
      }
    }
  }

  // ---------------------------------------------------------------- report
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  console.log(`\n## torsion bench — ${new Date().toISOString()}`);
  console.log(`node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() || '?'}), ${cfg.rounds} rounds, ${minutes} min`);
  console.log(`reference: \`${sides[0].cmd}\`  torsion: \`${sides[1].cmd}\``);
  console.log(`machine load during loadgen drives: other processes ${fmtNum(median(otherCpu))} cores, loadgen ${fmtNum(median(lgCpu))} cores (medians)${opts.pin ? '; pinned: servers CPU 1, load generators CPU 0' : ''}`);
  console.log('medians over rounds (± = half the range across rounds); ratio = torsion / reference;');
  console.log('per-cpu ratio = the same for rate / server CPU (steadier when other work shares the machine)\n');
  console.log(table(rows));
  const perRound = roundRatios(rows);
  if (perRound) console.log(`\nper round, torsion / reference (the two sides of a round run interleaved, or back to back):\n${perRound}`);
  const oc = median(otherCpu);
  if (oc > 0.25) notes.push(`other processes used ${oc.toFixed(2)} cores (median) during the drives: the machine was busy, trust ratios less`);
  const misses = rows.filter((r) => verdict(r).status === 'MISS');
  if (notes.length) console.log(`\nnotes:\n${notes.map((n) => `- ${n}`).join('\n')}`);
  if (failures.length) console.log(`\nFAILURES (wrong answers, crashes, servers that did not start):\n${failures.map((n) => `- ${n}`).join('\n')}`);
  console.log(`\n${misses.length ? `${misses.length} target(s) missed` : 'all measured targets met'}; ${failures.length} failure(s)`);
  try {
    fs.mkdirSync(path.dirname(opts.json), { recursive: true });
    fs.writeFileSync(opts.json, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cfg, sides, pin: opts.pin, otherCpu, lgCpu, notes, failures, results }, null, 1)}\n`);
  } catch (e) {
    log(`bench: cannot write ${opts.json}: ${e.message}`);
  }
  if (failures.length) return 1;
  return opts.strict && misses.length ? 1 : 0;
}

// What a drive that threw or failed its check reports.
const failedDrive = (error) => ({ values: {}, cpu: NaN, otherCpu: -1, lgCpu: -1, error });

// A drive on each run in turn: Map run -> { values, cpu, otherCpu, lgCpu, error }.
async function inTurn(d, runs, cfg, redisBin, opts) {
  const got = new Map();
  for (const run of runs) {
    try {
      got.set(run, await runDrive(d, run.srv, cfg, redisBin, opts, run.label, { warmup: d.warmup ?? cfg.warmup, duration: cfg.duration }));
    } catch (e) {
      got.set(run, failedDrive(e.message));
    }
  }
  return got;
}

/**
 * A rate drive on both sides at once: each side is warmed up, then the measured time is cut into
 * `cfg.slices` slices taken in turn (A B B A A B ...), and a side's figures are the means of its
 * slices. On a shared VM whose speed changes for seconds at a time, a drive run on one side and
 * then on the other can land in two different speeds; interleaved slices share them.
 * Reference against reference read 0.90–1.26 by round with whole drives in turn. A
 * redis-benchmark drive is cut by requests: each slice runs `requests / slices` of each test.
 */
async function interleave(d, runs, cfg, redisBin, opts) {
  const got = new Map();
  const fail = (run, error) => got.set(run, failedDrive(error));
  const alive = () => runs.filter((r) => !got.has(r));
  const slices = new Map(runs.map((r) => [r, []]));
  const drive = async (run, timing) => {
    try {
      const r = await runDrive(d, run.srv, cfg, redisBin, opts, run.label, timing);
      if (r.error) fail(run, r.error);
      return r;
    } catch (e) {
      fail(run, e.message);
      return null;
    }
  };
  // Warm-up: the drive's own, without measuring (errors still count).
  const redis = d.type === 'redis';
  for (const run of alive()) await drive(run, redis ? { requests: cfg.redisWarmup, redisWarmup: 0 } : { warmup: 0, duration: d.warmup ?? cfg.warmup });
  const slice = redis ? { requests: Math.ceil(d.requests / cfg.slices), redisWarmup: 0 } : { warmup: 0, duration: cfg.slicedDuration / cfg.slices };
  for (let i = 0; i < cfg.slices; i++) {
    const order = i % 2 === 0 ? alive() : alive().reverse();
    for (const run of order) {
      const r = await drive(run, slice);
      if (r && !r.error) slices.get(run).push(r);
    }
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  for (const run of alive()) {
    const rs = slices.get(run);
    const values = {};
    for (const f of d.figures) values[f.key] = mean(rs.map((r) => r.values[f.key]));
    got.set(run, { values, cpu: mean(rs.map((r) => r.cpu)), otherCpu: mean(rs.map((r) => r.otherCpu)), lgCpu: mean(rs.map((r) => r.lgCpu)), error: null });
  }
  return got;
}

// runs one drive against a started server; resolves { values, cpu, otherCpu, error }
async function runDrive(d, srv, cfg, redisBin, opts, label, timing) {
  if (d.type === 'loadgen') {
    const timed = d.timed ? ['-w', String(timing.warmup), '-d', String(timing.duration)] : [];
    const args = [...d.args, ...timed, '-h', srv.host, '-p', String(srv.port), '-x', srv.pids.join(',')];
    const r = await loadgen(args, { boundSec: d.timed ? timing.warmup + timing.duration : d.bound });
    if (opts.verbose) log(`    ${label}: loadgen ${args.join(' ')}\n      ${JSON.stringify(r)}`);
    const values = {};
    for (const f of d.figures) values[f.key] = r[f.key];
    return { values, cpu: r.srv_cpu ?? NaN, otherCpu: r.other_cpu ?? -1, lgCpu: r.lg_cpu ?? -1, error: d.check(r) };
  }
  if (d.type === 'redis') {
    const common = { host: srv.host, port: srv.port, clients: d.clients, timeoutSec: 120 };
    // A whole drive warms up first; the slices of an interleaved one share one warm-up.
    const warmup = timing.redisWarmup ?? cfg.redisWarmup;
    if (warmup > 0) {
      const warm = await redisBenchmark(redisBin, { ...common, tests: d.tests, requests: warmup, pipeline: d.pipeline });
      if (warm.errors.length) return { values: {}, cpu: NaN, otherCpu: -1, error: `warm-up: ${warm.errors.slice(0, 3).join('; ')}` };
    }
    const c0 = cpuSeconds(srv.pids);
    const t0 = process.hrtime.bigint();
    const r = await redisBenchmark(redisBin, { ...common, tests: d.tests, requests: timing.requests ?? d.requests, pipeline: d.pipeline });
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const c1 = cpuSeconds(srv.pids);
    if (opts.verbose) log(`    ${label}: redis-benchmark ${r.args.join(' ')}\n      ${JSON.stringify(r.rates)}`);
    const error = r.errors.length ? `redis-benchmark: ${r.errors.slice(0, 3).join('; ')}` : null;
    return { values: r.rates, cpu: c0 >= 0 && c1 >= 0 ? (c1 - c0) / secs : NaN, otherCpu: -1, error };
  }
  if (d.type === 'broadcast') {
    const r = await broadcast(d, srv);
    if (opts.verbose) log(`    ${label}: broadcast-drive ${r.args.join(' ')}\n      ${JSON.stringify(r)}`);
    const values = {};
    for (const f of d.figures) values[f.key] = r[f.key];
    return { values, cpu: r.srv_cpu ?? NaN, otherCpu: r.other_cpu ?? -1, lgCpu: r.lg_cpu ?? -1, error: d.check(r) };
  }
  throw new Error(`unknown drive type ${d.type}`);
}

const sigExit = (sig) => () => { log(`bench: ${sig}, stopping servers`); process.exit(130); };
process.on('SIGINT', sigExit('SIGINT'));
process.on('SIGTERM', sigExit('SIGTERM'));

main().then((code) => { process.exitCode = code; }, (e) => { log(`bench: ${e.stack || e}`); process.exitCode = 2; });
