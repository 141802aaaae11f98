'use strict';
// Correctness checks run against every server right after it starts, before any load:
// a wrong answer here (or under load, see loadgen's verification) fails the bench.
const net = require('node:net');
const { chat } = require('./smoke-chat');

// writes the chunks (one write each, a tick apart), resolves when `expected` bytes
// have arrived, rejects on mismatch, close or timeout
function exchange(host, port, chunks, expected, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const want = Buffer.isBuffer(expected) ? expected : Buffer.from(expected);
    const got = [];
    let n = 0;
    const s = net.connect({ host, port });
    const done = (err) => { clearTimeout(timer); s.destroy(); if (err) reject(err); else resolve(); };
    const timer = setTimeout(() => done(new Error(`timeout: got ${show(Buffer.concat(got))}, want ${show(want)}`)), timeoutMs);
    s.setNoDelay(true);
    s.on('connect', async () => {
      for (const c of chunks) {
        s.write(c);
        await new Promise((r) => setTimeout(r, 5)); // separate reads: exercises reassembly
      }
    });
    s.on('data', (d) => {
      got.push(d);
      n += d.length;
      const all = Buffer.concat(got);
      if (!want.subarray(0, Math.min(n, want.length)).equals(all.subarray(0, Math.min(n, want.length))) || n > want.length) {
        done(new Error(`wrong answer: got ${show(all)}, want ${show(want)}`));
      } else if (n === want.length) done();
    });
    s.on('error', (e) => done(new Error(`connection error: ${e.message}`)));
    s.on('close', () => done(new Error(`closed early: got ${show(Buffer.concat(got))}, want ${show(want)}`)));
  });
}
function show(b) {
  const s = JSON.stringify(b.toString('utf8'));
  return s.length > 120 ? `${s.slice(0, 117)}..."` : s;
}

const bulk = (s) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
const cmd = (...a) => `*${a.length}\r\n${a.map(bulk).join('')}`;

const checks = {
  // byte echo: 64 KiB of pseudo-random bytes in uneven writes
  async bytes(host, port) {
    const data = Buffer.alloc(65536);
    let x = 12345;
    for (let i = 0; i < data.length; i++) { x = (x * 1103515245 + 12345) >>> 0; data[i] = x >>> 24; }
    await exchange(host, port, [data.subarray(0, 1), data.subarray(1, 40000), data.subarray(40000)], data);
  },
  // lines: a line split across reads, several lines in one read, multi-byte UTF-8 with
  // one character split between two reads (a decoder must not decode chunk by chunk)
  async lines(host, port) {
    const all = Buffer.from('hello\nworld\nfoo bar\nünïcödé ✓ ok\n');
    const mid = all.indexOf(Buffer.from('✓')) + 1;
    await exchange(host, port, [all.subarray(0, 3), all.subarray(3, 9), all.subarray(9, mid), all.subarray(mid)], all);
  },
  // RESP: pipelined multibulk commands split mid-frame, plus an inline PING
  async resp(host, port) {
    const key = `bench:smoke:${process.pid}`;
    const req = [cmd('PING'), cmd('SET', key, 'v-1 ✓'), cmd('GET', key), cmd('GET', `${key}:missing`), 'PING\r\n'].join('');
    const cut = Buffer.from(req);
    await exchange(host, port, [cut.subarray(0, 20), cut.subarray(20, 23), cut.subarray(23)],
      `+PONG\r\n+OK\r\n${bulk('v-1 ✓')}$-1\r\n+PONG\r\n`);
  },
  // chat: two members through welcome, join, broadcast, /nick, /who, errors, /quit, leave
  chat,
};

module.exports = { smokeCheck: (kind, host, port) => checks[kind](host, port) };
