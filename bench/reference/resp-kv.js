'use strict';
// Reference: hand-written node:net RESP (Redis protocol) key-value server, the limit for
// torsion's `resp-kv` example.  Enough of Redis for `redis-benchmark -t ping,set,get`
// and for redis-cli: PING, ECHO, SET, GET, DEL, EXISTS, CONFIG GET (redis-benchmark
// asks for `save` / `appendonly`), COMMAND (empty), QUIT; inline and multibulk requests.
// Keys and values are kept as latin1 strings, a lossless byte<->string mapping, so the
// store is binary-safe and replies are written with one latin1 write per 'data' event.
// Usage: PORT=0 node bench/reference/resp-kv.js
const { listen } = require('./listen');

const MAX_INLINE = 64 * 1024;
const MAX_BULK = 512 * 1024 * 1024;
const MAX_ARGS = 1024 * 1024;
const store = new Map();

const OK = '+OK\r\n';
const NIL = '$-1\r\n';
const bulk = (s) => `$${s.length}\r\n${s}\r\n`;
const int = (n) => `:${n}\r\n`;
const wrongArgs = (cmd) => `-ERR wrong number of arguments for '${cmd.toLowerCase()}' command\r\n`;

// args: array of latin1 strings; returns the reply, or null to close after flushing
function execute(args) {
  const cmd = args[0].toUpperCase();
  switch (cmd) {
    case 'PING':
      if (args.length === 1) return '+PONG\r\n';
      return args.length === 2 ? bulk(args[1]) : wrongArgs(cmd);
    case 'ECHO':
      return args.length === 2 ? bulk(args[1]) : wrongArgs(cmd);
    case 'SET':
      if (args.length !== 3) return args.length < 3 ? wrongArgs(cmd) : '-ERR syntax error\r\n';
      store.set(args[1], args[2]);
      return OK;
    case 'GET': {
      if (args.length !== 2) return wrongArgs(cmd);
      const v = store.get(args[1]);
      return v === undefined ? NIL : bulk(v);
    }
    case 'DEL':
    case 'EXISTS': {
      if (args.length < 2) return wrongArgs(cmd);
      let n = 0;
      for (let i = 1; i < args.length; i++) {
        if (cmd === 'DEL' ? store.delete(args[i]) : store.has(args[i])) n++;
      }
      return int(n);
    }
    case 'CONFIG':
      if (args.length === 3 && args[1].toUpperCase() === 'GET') return `*2\r\n${bulk(args[2])}$0\r\n\r\n`;
      return '-ERR unsupported CONFIG subcommand\r\n';
    case 'COMMAND':
      return '*0\r\n';
    case 'QUIT':
      return null;
    default:
      return `-ERR unknown command '${cmd}'\r\n`;
  }
}

// decimal integer in buf[from, to), NaN if malformed
function parseIntAt(buf, from, to) {
  let n = 0;
  let i = from;
  let neg = false;
  if (buf[i] === 45) { neg = true; i++; }
  if (i >= to || to - i > 15) return NaN;
  for (; i < to; i++) {
    const c = buf[i] - 48;
    if (c < 0 || c > 9) return NaN;
    n = n * 10 + c;
  }
  return neg ? -n : n;
}

class ProtocolError extends Error {}
const INCOMPLETE = null;

// '*<n>\r\n' then n × '$<len>\r\n<bytes>\r\n'; returns [args, next] or INCOMPLETE
function parseMultibulk(buf, pos) {
  let nl = buf.indexOf(10, pos);
  if (nl === -1) {
    if (buf.length - pos > MAX_INLINE) throw new ProtocolError('too big multibulk header');
    return INCOMPLETE;
  }
  const n = parseIntAt(buf, pos + 1, nl - 1);
  if (Number.isNaN(n) || n > MAX_ARGS) throw new ProtocolError('invalid multibulk length');
  let p = nl + 1;
  const args = [];
  for (let i = 0; i < n; i++) {
    if (p >= buf.length) return INCOMPLETE;
    if (buf[p] !== 36) throw new ProtocolError(`expected '$', got '${String.fromCharCode(buf[p])}'`);
    nl = buf.indexOf(10, p);
    if (nl === -1) return INCOMPLETE;
    const len = parseIntAt(buf, p + 1, nl - 1);
    if (Number.isNaN(len) || len < 0 || len > MAX_BULK) throw new ProtocolError('invalid bulk length');
    const start = nl + 1;
    if (start + len + 2 > buf.length) return INCOMPLETE;
    args.push(buf.latin1Slice(start, start + len));
    p = start + len + 2;
  }
  return [args, p];
}

listen((s) => {
  s.setNoDelay(true);
  let pending = null; // unparsed bytes of an incomplete request
  s.on('data', (chunk) => {
    const buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
    pending = null;
    let pos = 0;
    let out = '';
    try {
      while (pos < buf.length) {
        let args;
        if (buf[pos] === 42) { // '*'
          const r = parseMultibulk(buf, pos);
          if (r === INCOMPLETE) break;
          args = r[0];
          pos = r[1];
        } else {
          const nl = buf.indexOf(10, pos);
          if (nl === -1) {
            if (buf.length - pos > MAX_INLINE) throw new ProtocolError('too big inline request');
            break;
          }
          const end = nl > pos && buf[nl - 1] === 13 ? nl - 1 : nl;
          args = buf.latin1Slice(pos, end).split(' ').filter((x) => x.length !== 0);
          pos = nl + 1;
        }
        if (args.length === 0) continue;
        const reply = execute(args);
        if (reply === null) { s.end(out + OK, 'latin1'); return; }
        out += reply;
      }
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      s.end(`${out}-ERR Protocol error: ${e.message}\r\n`, 'latin1');
      return;
    }
    if (pos < buf.length) pending = Buffer.from(buf.subarray(pos));
    if (out.length !== 0) s.write(out, 'latin1');
  });
  s.on('error', () => {});
});
