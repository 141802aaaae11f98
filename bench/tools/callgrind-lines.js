// Instructions per echoed line of a line-echo server, counted by callgrind on connections kept
// open from a warm-up (so nothing is being compiled in the measured window). Needs valgrind.
//   node bench/tools/callgrind-lines.js "node scripts/example.js line-echo" [WARM] [N]
//   node bench/tools/callgrind-lines.js "node bench/reference/line-echo.js"
// Prints the main thread's instructions per line (the event loop, `uv_run`) and every thread's.
// Four connections send 64 B lines, 16 per write, each waiting for its echo; WARM lines
// (default 150,000) warm up, then callgrind's counters are zeroed, N lines (default 60,000) are
// measured, and the counters dumped.
'use strict';
const net = require('node:net');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, execFileSync } = require('node:child_process');

const [cmd, warm = '150000', measured = '60000'] = process.argv.slice(2);
if (!cmd) {
  console.error('usage: node bench/tools/callgrind-lines.js "<server command>" [WARM] [N]');
  process.exit(2);
}
const W = Number(warm);
const N = Number(measured);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cg-lines-'));
const env = { ...process.env, PORT: '0', HOST: '127.0.0.1', USER: process.env.USER ?? 'root', LOGNAME: process.env.LOGNAME ?? 'root' };
const [exe, ...args] = cmd.split(' ');
const vg = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${dir}/cg.%p`, exe, ...args], { env, stdio: ['ignore', 'pipe', 'ignore'] });
const control = (op) => execFileSync('callgrind_control', [op, String(vg.pid)], { env: { ...env, HOST: '127.0.0.1' }, stdio: 'ignore' });

let banner = '';
let started = false;
vg.stdout.on('data', (d) => {
  if (started) return;
  banner += d;
  const m = /listening tcp [^\s]*:(\d+)/.exec(banner);
  if (m === null) return;
  started = true;
  drive(Number(m[1]));
});
const timer = setTimeout(() => fail('timed out'), 30 * 60_000);

function drive(port) {
  const line = 'x'.repeat(63) + '\n';
  const burst = line.repeat(16);
  let target = Math.ceil(W / 64) * 16;
  let phase = 0;
  let closed = 0;
  const conns = [];
  const next = () => {
    if (conns.some((c) => c.got < target * 64)) return;
    if (phase === 0) {
      control('-z');
      phase = 1;
      target += Math.ceil(N / 64) * 16;
      for (const c of conns) c.go();
    } else {
      control('-d');
      for (const c of conns) c.socket.end();
    }
  };
  for (let i = 0; i < 4; i++) {
    const c = { got: 0, sent: 0, socket: net.connect(port, '127.0.0.1') };
    c.go = () => {
      if (c.sent >= target) return;
      c.socket.write(burst);
      c.sent += 16;
    };
    c.socket.on('connect', c.go);
    c.socket.on('data', (d) => {
      c.got += d.length;
      if (c.got < c.sent * 64) return;
      if (c.sent < target) c.go();
      else next();
    });
    c.socket.on('error', (e) => fail(e.message));
    c.socket.on('close', () => {
      if (++closed === 4) report();
    });
    conns.push(c);
  }
}

function report() {
  vg.once('exit', () => {
    clearTimeout(timer);
    const file = fs.readdirSync(dir).filter((f) => /^cg\.\d+\.\d+$/.test(f)).map((f) => path.join(dir, f)).sort().pop();
    const annotate = (...opts) => execFileSync('callgrind_annotate', [...opts, file], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const count = (text, re) => Number((re.exec(text) ?? [, '0'])[1].replace(/,/g, ''));
    const all = count(annotate(), /^\s*([\d,]+) .*PROGRAM TOTALS/m);
    const main = count(annotate('--inclusive=yes', '--threshold=100'), /^\s*([\d,]+) .*core\.c:uv_run/m);
    console.log(`${cmd}: ${Math.round(main / N)} instructions per line on the main thread, ${Math.round(all / N)} on every thread (${N} lines after ${W})`);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  setTimeout(() => vg.kill('SIGTERM'), 500);
}

function fail(why) {
  console.error(why);
  vg.kill('SIGKILL');
  process.exit(1);
}
