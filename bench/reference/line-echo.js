'use strict';
// Reference: hand-written node:net line echo (the limit for torsion's `line-echo`
// example).  A correct buffered '\n' splitter; every line is decoded to a JS string
// (utf8, as a framework hands frames to user code), the "handler" returns it, and the
// replies of one 'data' event are joined and flushed with ONE socket.write.
// A line longer than MAX_LINE bytes closes the connection (every buffer is bounded).
// Usage: PORT=0 node bench/reference/line-echo.js
const { listen } = require('./listen');

const MAX_LINE = 64 * 1024;

// the "protocol handler": what a user of a lines codec would write
function onLine(line) {
  return line;
}

listen((s) => {
  s.setNoDelay(true);
  let parts = null; // Buffers of an unterminated line, or null
  let partsLen = 0;

  s.on('data', (chunk) => {
    let out = '';
    let start = 0;
    let idx = chunk.indexOf(10);
    if (parts !== null) {
      if (idx === -1) {
        const tail = Buffer.from(chunk); // copy: the chunk may come from a pool
        parts.push(tail);
        partsLen += tail.length;
        if (partsLen > MAX_LINE) s.destroy();
        return;
      }
      if (partsLen + idx > MAX_LINE) { s.destroy(); return; }
      parts.push(chunk.subarray(0, idx));
      const line = Buffer.concat(parts, partsLen + idx).toString('utf8');
      parts = null;
      partsLen = 0;
      out += onLine(line) + '\n';
      start = idx + 1;
      idx = chunk.indexOf(10, start);
    }
    while (idx !== -1) {
      if (idx - start > MAX_LINE) { s.destroy(); return; }
      out += onLine(chunk.toString('utf8', start, idx)) + '\n';
      start = idx + 1;
      idx = chunk.indexOf(10, start);
    }
    if (start < chunk.length) {
      if (chunk.length - start > MAX_LINE) { s.destroy(); return; }
      const tail = Buffer.from(chunk.subarray(start));
      parts = [tail];
      partsLen = tail.length;
    }
    if (out.length !== 0) s.write(out);
  });
  s.on('error', () => {});
});
