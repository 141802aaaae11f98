// Where a server's memory goes while N idle connections are held: RSS and heap deltas per
// connection, before and after a full GC, for torsion's line-echo or a bare node:net echo.
//   node --expose-gc bench/tools/rss-held.js torsion|ref > port &   (after npm run build)
//   bench/build/loadgen -m idle -n 10000 -H 4 -p $(cat port) -h 127.0.0.1
// It prints on stderr 4.5 s after start, while loadgen (started within a second) still holds them.
require('reflect-metadata');
const which = process.argv[2];
const report = (tag, m0) => { const m = process.memoryUsage(); const d = (k) => ((m[k] - m0[k]) / 10000).toFixed(0); process.stderr.write(`${tag} per-conn: rss ${d('rss')} heapUsed ${d('heapUsed')} heapTotal ${d('heapTotal')} external ${d('external')} arrayBuffers ${d('arrayBuffers')}\n`); };
(async () => {
  let port;
  if (which === 'ref') {
    const net = require('node:net');
    const srv = net.createServer({ noDelay: true }, (s) => { s.setNoDelay(true); s.on('data', (d) => s.write(d)); s.on('error', () => {}); });
    await new Promise((r) => srv.listen(0, '127.0.0.1', r)); port = srv.address().port;
  } else {
    const { bootstrap, silentLogger } = require('../../dist/src');
    const { LineEchoModule, LineEcho } = require('../../dist/examples/line-echo/app');
    const app = await bootstrap(LineEchoModule, { logger: silentLogger, listen: [[LineEcho, { port: 0, host: '127.0.0.1' }]] });
    port = app.address(LineEcho).port;
  }
  global.gc(); const m0 = process.memoryUsage();
  process.stdout.write(`${port}\n`);
  setTimeout(() => { report(which + " (held, no gc)", m0); global.gc(); report(which + " (held, after gc)", m0); process.exit(0); }, 4500);
})();
