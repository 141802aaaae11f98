'use strict';
// Runs bench/lib/broadcast-drive.js (a separate process, like loadgen: pinned with --pin, its
// open-file limit raised) against a chat server and parses its JSON result line.
const path = require('node:path');
const { pin, pinned, run, withNofile } = require('./proc');

const DRIVE = path.join(__dirname, 'broadcast-drive.js');

// d: the drive from workloads.js; resolves the driver's result ({ error } on a wrong answer)
async function broadcast(d, { host, port, pid, pids }) {
  const args = ['--host', host, '--port', String(port), '--pid', (pids || [pid]).join(','), '--members', String(d.members),
    '--lines', String(d.lines), '--warmup-lines', String(d.warmupLines), '--burst', String(d.burst),
    '--window', String(d.window), '--duration', String(d.duration), '--probes', String(d.probes), '--timeout', String(d.bound)];
  const [file, argv] = withNofile(pinned(pin.client, [process.execPath, DRIVE, ...args]));
  const r = await run(file, argv, { timeoutMs: (d.bound + 30) * 1000 });
  const line = r.stdout.split('\n').reverse().find((l) => l.startsWith('{'));
  if (r.timedOut) throw new Error(`broadcast drive timed out after ${d.bound + 30} s`);
  if (r.code !== 0 || !line) throw new Error(`broadcast drive failed (code ${r.code}): ${(r.stderr || r.stdout).trim().slice(-500)}`);
  return { args, ...JSON.parse(line) };
}

module.exports = { broadcast };
