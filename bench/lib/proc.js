'use strict';
// Child-process helpers: run a bounded command and collect its output, raise the
// open-file limit of a child, read a process' CPU time from /proc.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');

// `sh -c '<raise nofile>; exec "$0" "$@"' argv...`: raises RLIMIT_NOFILE for the child
// (10,000 idle connections need more than the usual 1024) without any shell quoting.
const NOFILE_PREFIX = 'ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null';
function withNofile(argv) {
  return ['/bin/sh', ['-c', `${NOFILE_PREFIX}; exec "$0" "$@"`, ...argv]];
}

// --pin: servers on one CPU, load generators on another (taskset), so the two never
// fight over a core and the scheduler does not move them mid-drive.  null = no pinning.
const pin = { server: null, client: null };
const pinned = (cpu, argv) => (cpu === null ? argv : ['taskset', '-c', String(cpu), ...argv]);

// the soft fd limit a child started through withNofile() gets
function childNofileLimit() {
  const r = spawnSync('/bin/sh', ['-c', `${NOFILE_PREFIX}; ulimit -n`], { encoding: 'utf8' });
  const n = Number(String(r.stdout).trim());
  return Number.isFinite(n) ? n : 1024;
}

// Runs argv to completion (killed after timeoutMs); resolves { code, signal, stdout, stderr, timedOut }.
function run(file, args, { timeoutMs, cwd, env } = {}) {
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d) => { if (stdout.length < 1 << 20) stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { if (stderr.length < 1 << 16) stderr += d; });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs ?? 60_000);
    child.on('error', (err) => { clearTimeout(timer); resolve({ code: -1, signal: null, stdout, stderr: stderr + String(err), timedOut }); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr, timedOut }); });
  });
}

let clkTck = 0;
function ticksPerSecond() {
  if (!clkTck) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    clkTck = Number(String(r.stdout).trim()) || 100;
  }
  return clkTck;
}

// user+system CPU seconds of a process (all threads), or -1; a list of pids (an array, or
// "1,2,3": a cluster's processes) is summed, -1 if any cannot be read
function cpuSeconds(pids) {
  let total = 0;
  for (const pid of String(pids).split(',')) {
    try {
      const stat = fs.readFileSync(`/proc/${Number(pid)}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(f[11]) + Number(f[12])) / ticksPerSecond(); // utime, stime (fields 14, 15)
    } catch {
      return -1;
    }
  }
  return total;
}

module.exports = { pin, pinned, withNofile, childNofileLimit, run, cpuSeconds };
