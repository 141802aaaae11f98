// Which objects a torsion connection adds: heap snapshots by constructor, N idle connections with one
// ping each, torsion (examples/line-echo) minus a bare node:net server. Run after `npm run build`:
//   node --expose-gc bench/tools/heap-per-connection.js
require('reflect-metadata');
const net = require('node:net');
const v8 = require('node:v8');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { bootstrap, silentLogger } = require('../../dist/src');
const { LineEchoModule, LineEcho } = require('../../dist/examples/line-echo/app');
const N = 2000;
function summary(file) {
  const snap = JSON.parse(fs.readFileSync(file));
  const f = snap.snapshot.meta.node_fields; const types = snap.snapshot.meta.node_types[0];
  const stride = f.length; const iType = f.indexOf('type'), iName = f.indexOf('name'), iSize = f.indexOf('self_size');
  const out = new Map();
  for (let i = 0; i < snap.nodes.length; i += stride) {
    const key = types[snap.nodes[i + iType]] + ':' + snap.strings[snap.nodes[i + iName]].slice(0, 40);
    const e = out.get(key) || [0, 0]; e[0]++; e[1] += snap.nodes[i + iSize]; out.set(key, e);
  }
  return out;
}
async function conns(port) {
  const socks = [];
  for (let i = 0; i < N; i++) socks.push(await new Promise((r) => { const s = net.connect(port, '127.0.0.1', () => { s.write('i\n'); s.once('data', () => r(s)); }); }));
  return socks;
}
(async () => {
  const app = await bootstrap(LineEchoModule, { logger: silentLogger, listen: [[LineEcho, { port: 0, host: '127.0.0.1' }]] });
  const raw = net.createServer((s) => { s.setNoDelay(true); s.on('data', (d) => s.write(d)); s.on('error', () => {}); });
  await new Promise((r) => raw.listen(0, '127.0.0.1', r));
  global.gc(); const f0 = v8.writeHeapSnapshot(path.join(os.tmpdir(), 'torsion-h0.heapsnapshot'));
  const a = await conns(raw.address().port);
  global.gc(); const f1 = v8.writeHeapSnapshot(path.join(os.tmpdir(), 'torsion-h1.heapsnapshot'));
  const b = await conns(app.address(LineEcho).port);
  global.gc(); const f2 = v8.writeHeapSnapshot(path.join(os.tmpdir(), 'torsion-h2.heapsnapshot'));
  const s0 = summary(f0), s1 = summary(f1), s2 = summary(f2);
  const rows = [];
  const keys = new Set([...s1.keys(), ...s2.keys()]);
  let total = 0;
  for (const k of keys) {
    const [c0, z0] = s0.get(k) || [0, 0]; const [c1, z1] = s1.get(k) || [0, 0]; const [c2, z2] = s2.get(k) || [0, 0];
    const raw = z1 - z0, tor = z2 - z1; total += tor - raw;
    if (Math.abs(tor - raw) > N * 8) rows.push([k, ((c2 - c1 - (c1 - c0)) / N).toFixed(2), ((tor - raw) / N).toFixed(0)]);
  }
  console.log('torsion minus raw, bytes per connection:', (total / N).toFixed(0));
  rows.sort((x, y) => y[2] - x[2]); console.log('per torsion connection (minus the same count of raw ones):'); for (const r of rows.slice(0, 30)) console.log(r.join('\t'));
  for (const f of [f0, f1, f2]) fs.unlinkSync(f);
  process.exit(0);
})();
