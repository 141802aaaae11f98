'use strict';
// Starts a server under test and stops it again.
//
// Contract with every server (reference or torsion): started with PORT=0 (and
// HOST=127.0.0.1) in its environment, it prints `listening tcp <host>:<port>` on stdout
// once bound; SIGTERM stops it.  The command runs in its own process group, so a
// launcher that forks (npm, a wrapper script) is stopped with everything it started.
const { spawn, spawnSync } = require('node:child_process');
const { pin, withNofile } = require('./proc');

const LISTENING = /^listening tcp (\S+):(\d+)\s*$/;
const live = new Set(); // process groups we started and have not reaped yet

function killGroup(pgid, signal) {
  try { process.kill(-pgid, signal); } catch { /* already gone */ }
}
// last resort when the harness itself exits: never leave a server behind
process.on('exit', () => { for (const pgid of live) killGroup(pgid, 'SIGKILL'); });

// The PIDs that hold the listening socket (ss -ltnp), so a launcher that forks is measured
// by its worker, not by itself, and a cluster (WORKERS=n: the primary and every worker share
// the socket) by all its processes; falls back to the spawned PID.
function listenerPids(port, fallback) {
  const r = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8', timeout: 5000 });
  const pids = [...new Set([...String(r.stdout || '').matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])))];
  return pids.length ? pids : [fallback];
}

// host printed by the server -> an address loadgen (IPv4 127/8 only) can reach
function loopbackHost(host) {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === '0.0.0.0' || h === '::' || h === 'localhost' || h === '::ffff:127.0.0.1') return '127.0.0.1';
  return h;
}

// cmd: a shell command line; env: added to the server's environment (WORKERS...);
// resolves { pid, pids, port, host, stop(), exited(), exitInfo() } (pids: every process of the
// server, pid: the first; CPU and RSS are summed over pids)
function startServer(cmd, { cwd, startTimeoutMs = 20_000, label, env = {} }) {
  return new Promise((resolve, reject) => {
    const taskset = pin.server === null ? '' : `taskset -c ${pin.server} `;
    const [sh, args] = withNofile(['/bin/sh', '-c', `exec ${taskset}${cmd}`]);
    const child = spawn(sh, args, {
      cwd,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'production', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group
    });
    const pgid = child.pid;
    live.add(pgid);
    let out = '';
    let err = '';
    let settled = false;
    let exit = null;
    const exitWaiters = [];

    const timer = setTimeout(() => fail(`no "listening tcp <host>:<port>" line within ${startTimeoutMs} ms`), startTimeoutMs);
    function fail(why) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      killGroup(pgid, 'SIGKILL');
      const tail = (err || out).trim().split('\n').slice(-8).join('\n');
      reject(new Error(`${label}: ${why}${tail ? `\n    ${tail.replace(/\n/g, '\n    ')}` : ''}`));
    }

    child.stdout.setEncoding('utf8').on('data', (d) => {
      if (out.length < 1 << 16) out += d;
      if (settled) return;
      for (const line of out.split('\n').slice(0, -1)) { // complete lines only
        const m = LISTENING.exec(line);
        if (!m) continue;
        settled = true;
        clearTimeout(timer);
        const port = Number(m[2]);
        const host = loopbackHost(m[1]);
        if (!/^127\./.test(host)) {
          killGroup(pgid, 'SIGKILL');
          reject(new Error(`${label}: listens on ${m[1]}; the load generators need an IPv4 127.0.0.0/8 address`));
          return;
        }
        const pids = listenerPids(port, child.pid);
        resolve({
          pid: pids[0],
          pids,
          port,
          host,
          exited: () => exit !== null,
          exitInfo: () => exit,
          stderrTail: () => err.trim().split('\n').slice(-5).join('\n'),
          stop: (graceMs = 3000) => stop(graceMs),
        });
        return;
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d) => { if (err.length < 1 << 16) err += d; });
    child.on('error', (e) => fail(`cannot start: ${e.message}`));
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      live.delete(pgid);
      killGroup(pgid, 'SIGKILL'); // anything the launcher left behind
      for (const w of exitWaiters.splice(0)) w();
      fail(`exited (code ${code}, signal ${signal}) before listening`);
    });

    function stop(graceMs) {
      if (exit !== null) return Promise.resolve(exit);
      return new Promise((res) => {
        const hard = setTimeout(() => killGroup(pgid, 'SIGKILL'), graceMs);
        exitWaiters.push(() => { clearTimeout(hard); res(exit); });
        killGroup(pgid, 'SIGTERM');
      });
    }
  });
}

module.exports = { startServer };
