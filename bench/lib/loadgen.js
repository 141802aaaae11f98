'use strict';
// Builds bench/build/loadgen from bench/loadgen.c when missing or stale, runs it and
// parses its final `key=value ...` line.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { pin, pinned, run, withNofile } = require('./proc');

const BENCH = path.resolve(__dirname, '..');
const SRC = path.join(BENCH, 'loadgen.c');
const BIN = path.join(BENCH, 'build', 'loadgen');

function ensureLoadgen(log) {
  const srcM = fs.statSync(SRC).mtimeMs;
  let binM = -1;
  try { binM = fs.statSync(BIN).mtimeMs; } catch { /* missing */ }
  if (binM >= srcM) return BIN;
  fs.mkdirSync(path.dirname(BIN), { recursive: true });
  log(`building ${path.relative(process.cwd(), BIN)} (cc -O2)`);
  const r = spawnSync('cc', ['-O2', '-o', BIN, SRC], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`cc failed:\n${r.stderr || r.error}`);
  return BIN;
}

// `a=1 b=x` -> { a: 1, b: 'x' } (numbers where they parse)
function parseKv(line) {
  const o = {};
  for (const tok of line.trim().split(/\s+/)) {
    const eq = tok.indexOf('=');
    if (eq <= 0) continue;
    const v = tok.slice(eq + 1);
    o[tok.slice(0, eq)] = v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  return o;
}

// args: loadgen options (strings); resolves the parsed `mode=...` line or throws
async function loadgen(args, { boundSec }) {
  const [file, argv] = withNofile(pinned(pin.client, [BIN, ...args]));
  const r = await run(file, argv, { timeoutMs: (boundSec + 30) * 1000 });
  const line = r.stdout.split('\n').reverse().find((l) => l.startsWith('mode='));
  if (r.timedOut) throw new Error(`loadgen ${args.join(' ')} timed out`);
  if (r.code !== 0 || !line) {
    throw new Error(`loadgen ${args.join(' ')} failed (code ${r.code}): ${(r.stderr || r.stdout).trim().slice(-500)}`);
  }
  return parseKv(line);
}

module.exports = { ensureLoadgen, loadgen, parseKv };
