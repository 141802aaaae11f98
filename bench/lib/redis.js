'use strict';
// Runs redis-benchmark (when installed) and parses its -q output.
const { spawnSync } = require('node:child_process');
const { pin, pinned, run } = require('./proc');

function redisBenchmarkPath() {
  const r = spawnSync('/bin/sh', ['-c', 'command -v redis-benchmark'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

// resolves { rates: { PING_INLINE: req/s, ... }, errors: [lines] }
async function redisBenchmark(bin, { host, port, tests, clients, requests, pipeline, timeoutSec }) {
  const args = ['-h', host, '-p', String(port), '-t', tests, '-c', String(clients), '-n', String(requests),
    '-P', String(pipeline), '-q'];
  const [file, ...argv] = pinned(pin.client, [bin, ...args]);
  const r = await run(file, argv, { timeoutMs: timeoutSec * 1000 });
  const rates = {};
  const errors = [];
  for (const raw of `${r.stdout}\n${r.stderr}`.split(/[\r\n]+/)) {
    const line = raw.trim();
    const m = /^([A-Z_]+(?: \([^)]*\))?): ([\d.]+) requests per second/.exec(line);
    if (m) rates[m[1].split(' ')[0]] = Number(m[2]);
    else if (/error|ERR/i.test(line) && !/rps=/.test(line)) errors.push(line);
  }
  if (r.timedOut) errors.push(`redis-benchmark timed out after ${timeoutSec}s (server too slow or stuck)`);
  else if (r.code !== 0) errors.push(`redis-benchmark exited with code ${r.code}`);
  for (const t of tests.split(',')) {
    const want = t === 'ping' ? ['PING_INLINE', 'PING_MBULK'] : [t.toUpperCase()];
    for (const w of want) if (!(w in rates)) errors.push(`no result for ${w}`);
  }
  return { rates, errors, args };
}

module.exports = { redisBenchmarkPath, redisBenchmark };
