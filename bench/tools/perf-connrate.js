// Where a connection's CPU goes, torsion against the reference, at steady state: both servers run
// at once (pinned to CPU 1), loadgen's connrate drive (50 connectors: connect, one 64 B line,
// echo, close) alternates between them in 1 s slices, A B B A, and `perf record` samples both
// (cpu-clock, 2 kHz). Prints samples per 1,000 connections of each, by binary and by function
// (JIT code named through --perf-basic-prof), and the functions that differ most. That view counts
// the main thread only (perf report's "pid" is the thread); BY=thread and BY=entry count them all.
//   node bench/tools/perf-connrate.js [WARM_SLICES] [SLICE_PAIRS]
//   TORSION_CMD="node dist/examples/line-echo/main.js" REF_CMD="node bench/reference/line-echo.js"
//   ROWS=30: how many functions to list (most added first; ROWS=-30: most saved first)
//   BY=entry: group samples by the event they were taken in (the outermost JS frame: node's
//   onconnection, onStreamRead, processTicksAndRejections...) instead of by leaf function;
//   ENTRY=onStreamRead: only that event's samples, by leaf function; BY=thread: the main
//   thread (the event loop) against the others (V8's GC and compiler workers, libuv's pool)
// Needs perf and ss (loadgen is built on first use). Defaults: 10 warm-up slices per
// side (a fresh server's rate climbs for ~5 s), 3 × ABBA measured.
//
// Why not callgrind for this: under valgrind the process runs ~50× slower and V8's GC, which is
// scheduled partly by time, does different work. A 6,000-connection window read 143k
// instructions per connection or 135k depending on whether a major GC fell inside it. Sampling
// both servers in the same minutes also shares the VM's changes of speed between them.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');
const { startServer } = require('../lib/server');
const { ensureLoadgen, loadgen } = require('../lib/loadgen');
const { pin } = require('../lib/proc');

const REPO = path.resolve(__dirname, '..', '..');
const [warmSlices = '10', pairs = '3'] = process.argv.slice(2);
const sides = [
  { name: 'reference', cmd: process.env.REF_CMD ?? 'node bench/reference/line-echo.js' },
  { name: 'torsion', cmd: process.env.TORSION_CMD ?? 'node dist/examples/line-echo/main.js' },
];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'perf-connrate-'));
pin.server = 1;
pin.client = 0;

async function start(side) {
  // `node X` -> `node --perf-basic-prof X`: perf names JIT code from /tmp/perf-<pid>.map.
  const cmd = side.cmd.replace(/^(\S+)/, '$1 --perf-basic-prof');
  const srv = await startServer(cmd, { cwd: REPO, label: side.name });
  return { ...side, srv, pid: srv.pid, conns: 0 };
}

async function slice(server) {
  const r = await loadgen(['-m', 'connrate', '-c', '50', '-s', '64', '-w', '0', '-d', '1', '-h', server.srv.host, '-p', String(server.srv.port)], { boundSec: 1 });
  if (r.errors !== 0) throw new Error(`${server.name}: connrate reported ${r.errors} errors`);
  return r.conns;
}

/** Adds `n` samples under `key` of process `pid` in `by` (Map pid -> Map key -> samples). */
function count(by, pid, key, n) {
  if (!by.has(pid)) by.set(pid, new Map());
  const keys = by.get(pid);
  keys.set(key, (keys.get(key) ?? 0) + n);
}

/**
 * perf script stacks -> Map pid -> Map key -> samples. BY=entry: the key is the event the sample
 * was taken in, its outermost JS frame ("(no JS)": kernel, libuv, GC threads). ENTRY=text: only
 * samples whose event names `text`, keyed by their leaf function (to break one event down).
 */
function stacksByPid(data) {
  const text = execFileSync('perf', ['script', '-i', data, '-F', 'pid,ip,sym,dso'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const only = process.env.ENTRY;
  const by = new Map();
  for (const sample of text.split('\n\n')) {
    const lines = sample.split('\n').filter((l) => l.trim() !== '');
    if (lines.length < 2) continue;
    const pid = lines[0].trim();
    let entry = '(no JS)';
    for (let i = lines.length - 1; i > 0; i--) {
      const m = /\sJS:[*~^+]?(.*?)(?: \((?:\/tmp\/perf-\d+\.map|unknown)\))?$/.exec(lines[i]);
      if (m !== null) {
        entry = m[1].replace(/ \/\S+/, (f) => ` ${path.relative(REPO, f.trim())}`).slice(0, 100);
        break;
      }
    }
    let key = `JS ${entry}`;
    if (only !== undefined) {
      if (!entry.includes(only)) continue;
      const leaf = /^\s*[0-9a-f]+ (.*?) \((.*)\)$/.exec(lines[1]);
      if (leaf === null) continue;
      const binary = leaf[2].startsWith('/tmp/perf-') ? 'JIT' : path.basename(leaf[2]);
      key = `${binary} ${leaf[1].replace(/^JS:[*~^+]?/, '').replace(/\+0x[0-9a-f]+$/, '').replace(/ \/\S+/, '').slice(0, 100)}`;
    }
    count(by, pid, key, 1);
  }
  return by;
}

/** perf script -> Map pid -> Map "thread main" | "thread others" -> samples (others: V8's GC and compiler workers, libuv's pool). */
function threadsByPid(data) {
  const text = execFileSync('perf', ['script', '-i', data, '-F', 'pid,tid'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const by = new Map();
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\/(\d+)/.exec(line);
    if (m === null) continue;
    const [, pid, tid] = m;
    count(by, pid, tid === pid ? 'thread main' : 'thread others', 1);
  }
  return by;
}

/** perf report lines -> Map pid -> Map "binary function" -> samples (main thread: see the header). */
function samplesByPid(data) {
  const text = execFileSync('perf', ['report', '-i', data, '--no-children', '-g', 'none', '--sort', 'pid,dso,sym', '--stdio', '-n'], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const by = new Map();
  for (const line of text.split('\n')) {
    const m = /^\s*[\d.]+%\s+(\d+)\s+(\d+):\S*\s+(\[JIT\] tid \d+|\S+)\s+\[.\]\s+(.*)$/.exec(line);
    if (m === null) continue;
    const [, n, pid, dso, sym] = m;
    const binary = dso.startsWith('[JIT]') ? 'JIT' : path.basename(dso);
    const name = sym.trim().replace(/^(LazyCompile|Function|JS):[*~^+]?/, '').replace(/ \/\S+/, '').slice(0, 100);
    count(by, pid, `${binary} ${name}`, Number(n));
  }
  return by;
}

async function main() {
  const servers = [];
  try {
    ensureLoadgen(console.error);
    for (const side of sides) servers.push(await start(side));
    const [a, b] = servers;
    for (let i = 0; i < Number(warmSlices); i++) for (const s of servers) await slice(s);
    const data = path.join(dir, 'perf.data');
    const perf = spawn('perf', ['record', '-e', 'cpu-clock', '-F', '2000', '-g', '-p', `${a.pid},${b.pid}`, '-o', data], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < Number(pairs); i++) for (const s of [a, b, b, a]) s.conns += await slice(s);
    perf.kill('SIGINT');
    await new Promise((r) => perf.on('exit', r));
    const by = process.env.BY === 'thread' ? threadsByPid(data) : process.env.BY === 'entry' || process.env.ENTRY !== undefined ? stacksByPid(data) : samplesByPid(data);
    const per = servers.map((s) => {
      const fns = by.get(String(s.pid)) ?? new Map();
      const m = new Map();
      for (const [k, v] of fns) m.set(k, (v * 1000) / s.conns);
      return m;
    });
    const total = (m) => [...m.values()].reduce((x, y) => x + y, 0);
    console.log(`connections measured: ${a.name} ${a.conns}, ${b.name} ${b.conns} (${(b.conns / a.conns).toFixed(3)})`);
    console.log(`samples per 1,000 connections (0.5 ms each): ${a.name} ${total(per[0]).toFixed(1)}, ${b.name} ${total(per[1]).toFixed(1)} (${(total(per[1]) / total(per[0])).toFixed(3)})`);
    const binaries = new Map();
    per.forEach((m, i) => {
      for (const [k, v] of m) {
        const bin = k.slice(0, k.indexOf(' '));
        const row = binaries.get(bin) ?? [0, 0];
        row[i] += v;
        binaries.set(bin, row);
      }
    });
    for (const [bin, [x, y]] of [...binaries].sort((p, q) => q[1][1] - p[1][1])) console.log(`  ${bin.padEnd(24)} ${x.toFixed(1).padStart(7)} ${y.toFixed(1).padStart(7)}`);
    const keys = new Set([...per[0].keys(), ...per[1].keys()]);
    const rows = [...keys].map((k) => [(per[1].get(k) ?? 0) - (per[0].get(k) ?? 0), per[0].get(k) ?? 0, per[1].get(k) ?? 0, k]).sort((p, q) => q[0] - p[0]);
    console.log(`\n${b.name} − ${a.name}, ${a.name}, ${b.name} (samples per 1,000 connections), most added first:`);
    const n = Number(process.env.ROWS ?? 30);
    for (const r of n >= 0 ? rows.slice(0, n) : rows.slice(n).reverse()) console.log(`${r[0].toFixed(2).padStart(7)} ${r[1].toFixed(2).padStart(7)} ${r[2].toFixed(2).padStart(7)}  ${r[3]}`);
  } finally {
    for (const s of servers) {
      await s.srv.stop();
      fs.rmSync(`/tmp/perf-${s.pid}.map`, { force: true }); // written by --perf-basic-prof
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e.message);
  process.exitCode = 1;
});
