// ns per line, in process: torsion's connection + ordered dispatch + lines codec (a transport that
// discards writes) against the hand-written reference splitter, then the pieces. After npm run build:
//   node bench/tools/micro-lines.js
require('reflect-metadata');
const { StreamConnection } = require('../../dist/src/transport/stream-connection');
const { Reactor } = require('../../dist/src/reactor/reactor');
const { RealClock } = require('../../dist/src/reactor/clock');
const { silentLogger } = require('../../dist/src');
const { compileProtocol } = require('../../dist/src/application/compile-protocol');
const { Dispatcher } = require('../../dist/src/dispatch/dispatcher');
const { LineEcho } = require('../../dist/examples/line-echo/app');
class NullConn extends StreamConnection {
  constructor(r, c) { super(r, c, 64 * 1024); this.remoteAddress = ''; this.remotePort = 0; this.localAddress = ''; this.localPort = 0; this.transport = 'x'; this.bytes = 0; }
  transportWrite(d) { this.bytes += d.length; return true; }
  transportEnd() {} transportDestroy() {} transportSetReading() {}
  feed(chunk) { this.received(chunk); }
}
const reactor = new Reactor(new RealClock(), silentLogger);
const table = compileProtocol(LineEcho);
const conn = new NullConn(reactor, table.codec);
conn.attach(new Dispatcher(table, new LineEcho(), conn));
const line = 'x'.repeat(63) + '\n';
const chunk = Buffer.from(line.repeat(16));
function ref() {
  let written = 0;
  return (c) => { let out = ''; let start = 0; let idx = c.indexOf(10); while (idx !== -1) { out += c.toString('utf8', start, idx) + '\n'; start = idx + 1; idx = c.indexOf(10, start); } written += out.length; };
}
const r = ref();
for (const [name, fn] of [['torsion', (c) => conn.feed(c)], ['reference', r], ['torsion', (c) => conn.feed(c)], ['reference', r]]) {
  for (let i = 0; i < 20000; i++) fn(chunk);
  const n = 200000; const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(chunk);
  console.log(name, (Number(process.hrtime.bigint() - t0) / (n * 16)).toFixed(1), 'ns/line');
}
// pieces
const dec = table.codec.createDecoder();
let count = 0;
const nullSink = { frame() { count++; }, frameError() {} };
const out = [];
const enc = (v) => { table.codec.encode(v, out); if (out.length > 64) out.length = 0; };
const encSink = { frame(f) { enc(f); }, frameError() {} };
for (const [name, fn] of [['decode only', (c) => dec.decode(c, nullSink)], ['decode+encode', (c) => dec.decode(c, encSink)], ['decode only', (c) => dec.decode(c, nullSink)]]) {
  for (let i = 0; i < 20000; i++) fn(chunk);
  const n = 200000; const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(chunk);
  console.log(name, (Number(process.hrtime.bigint() - t0) / (n * 16)).toFixed(1), 'ns/line');
}
const pieces = []; for (let i = 0; i < 16; i++) pieces.push('x'.repeat(63), '\n');
let t0 = process.hrtime.bigint(); let len = 0;
for (let i = 0; i < 200000; i++) len += pieces.join('').length;
console.log('join 32 pieces', (Number(process.hrtime.bigint() - t0) / (200000 * 16)).toFixed(1), 'ns/line');
// dispatcher + send + encode + gather, no decoding
const disp = new Dispatcher(table, new LineEcho(), conn);
const lineStr = 'x'.repeat(63);
for (const name of ['dispatch+send', 'dispatch+send']) {
  const n = 200000; const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) { conn.beginBatch(); for (let j = 0; j < 16; j++) disp.frame(lineStr); conn.endBatch(); }
  console.log(name, (Number(process.hrtime.bigint() - t0) / (n * 16)).toFixed(1), 'ns/line');
}
