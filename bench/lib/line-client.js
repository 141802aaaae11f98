'use strict';
// A small line client over node:net for protocol checks: every received line is kept in
// order, and `next()` takes them one at a time, each wait bounded in time.
const net = require('node:net');

class LineClient {
  constructor(socket) {
    this.socket = socket;
    this.lines = [];
    this.partial = '';
    this.closed = false;
    this.waiter = null;
    socket.setEncoding('utf8'); // the decoder keeps a UTF-8 character split across reads whole
    socket.on('data', (d) => {
      const parts = (this.partial + d).split('\n');
      this.partial = parts.pop();
      this.lines.push(...parts);
      this.wake();
    });
    socket.on('error', () => {}); // 'close' follows
    socket.on('close', () => { this.closed = true; this.wake(); });
  }

  /** Connects (bounded by timeoutMs); resolves a LineClient. */
  static open(host, port, timeoutMs = 5000) {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port });
      const timer = setTimeout(() => { s.destroy(); reject(new Error(`connect to ${host}:${port} timed out`)); }, timeoutMs);
      s.once('connect', () => { clearTimeout(timer); s.setNoDelay(true); resolve(new LineClient(s)); });
      s.once('error', (e) => { clearTimeout(timer); reject(new Error(`connect to ${host}:${port}: ${e.message}`)); });
    });
  }

  wake() {
    const w = this.waiter;
    this.waiter = null;
    if (w) w();
  }

  /** The next line, which must equal `want` (a string) or match it (a RegExp); resolves the line or its match. */
  async next(want, timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (this.closed) throw new Error(`closed while waiting for ${show(want)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for ${show(want)}`);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => { clearTimeout(timer); resolve(); };
      });
    }
    const line = this.lines.shift();
    const ok = typeof want === 'string' ? line === want : want.exec(line);
    if (!ok) throw new Error(`got ${show(line)}, want ${show(want)}`);
    return ok;
  }

  /** Resolves once the server has closed the connection (bounded). */
  async waitClosed(timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('the server did not close the connection');
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => { clearTimeout(timer); resolve(); };
      });
    }
  }

  /** Writes the chunks one write each, a few ms apart (separate reads on the server). */
  async send(...chunks) {
    for (const c of chunks) {
      this.socket.write(c);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  close() {
    this.socket.destroy();
  }
}

function show(x) {
  const s = x instanceof RegExp ? String(x) : JSON.stringify(String(x));
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

module.exports = { LineClient };
