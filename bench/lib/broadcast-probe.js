'use strict';
// Welcome-latency prober for broadcast-drive.js, in its own process so that its clock is not
// held up by the drive's own work (hundreds of member sockets to verify).  For each line "p"
// on stdin it connects a fresh client and prints "ok <ms>" once the client has its whole
// first line, which must be the chat welcome (the time from connect() to that line), or
// "err <why>".  Then the client disconnects.  Exits when stdin ends.
// Usage: node bench/lib/broadcast-probe.js <host> <port>
const net = require('node:net');

const [host, port] = [process.argv[2], Number(process.argv[3])];
const WELCOME = /^\* welcome, guest-\d+! \d+ here; commands: \/nick NAME, \/who, \/quit$/;
const MAX_LINE = 4096;
const live = new Set();

function probe() {
  const t0 = process.hrtime.bigint();
  const s = net.connect({ host, port });
  live.add(s);
  let text = '';
  const done = (line) => {
    s.destroy();
    live.delete(s);
    process.stdout.write(`${line}\n`);
  };
  s.on('data', (d) => {
    text += d.toString('latin1');
    const nl = text.indexOf('\n');
    if (nl === -1) {
      if (text.length > MAX_LINE) done('err the first line is overlong');
      return;
    }
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const line = text.slice(0, nl);
    done(WELCOME.test(line) ? `ok ${ms}` : `err got ${JSON.stringify(line.slice(0, 100))}, want the welcome`);
  });
  s.on('error', (e) => done(`err ${e.message}`));
  s.on('close', () => { if (live.has(s)) done('err closed before the welcome'); });
}

let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  let nl = buf.indexOf('\n');
  while (nl !== -1) {
    if (buf.slice(0, nl) === 'p') probe();
    buf = buf.slice(nl + 1);
    nl = buf.indexOf('\n');
  }
});
process.stdin.on('end', () => {
  for (const s of live) s.destroy();
  process.exit(0);
});
