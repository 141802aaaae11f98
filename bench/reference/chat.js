'use strict';
// Reference: hand-written node:net line chat, the limit for torsion's `chat` example
// (examples/chat).  It speaks exactly that protocol: a newcomer is named guest-<n>, welcomed
// ("* welcome, guest-<n>! <k> here; commands: /nick NAME, /who, /quit") and announced to the
// others ("* guest-<n> joined"); every other line goes to every other member as "<nick> line";
// /nick, /who and /quit; a member that leaves is announced ("* nick left"); a line over 1024
// bytes gets "! line too long (at most 1024 bytes)".  A member whose outgoing buffer is over
// the high-water mark is skipped, and told how many lines it missed once it drains.
//
// The broadcast is written the careful way: the lines one member's read broadcasts are
// gathered into ONE string, and that string is written once to each other member (one
// socket write per member per read, not one per line per member).
// Usage: PORT=0 node bench/reference/chat.js
const { listen } = require('./listen');

const MAX_MESSAGE = 1024; // longest message, UTF-8 bytes (the example's default maxLineLength)
const MAX_LINE = MAX_MESSAGE + 23; // longest line read: the example's codec allows the "<nick> " envelope on top
const HIGH_WATER_MARK = 64 * 1024; // per-socket outgoing buffer before a member counts as lagging (torsion's default)
const VALID_NICK = /^[A-Za-z][A-Za-z0-9_-]{0,19}$/;
const GUEST = 'guest-';
const TOO_LONG = `! line too long (at most ${MAX_MESSAGE} bytes)`;

let nextId = 1;
const members = new Set(); // in order of arrival
const byNick = new Map(); // lower-cased nickname -> member

// Broadcasts made while one member's read is handled: gathered, written when the read is done.
let batchFrom = null;
let batchText = '';
let batchLines = 0;

function broadcast(from, line) {
  if (batchFrom === from) {
    batchText += `${line}\n`;
    batchLines++;
    return;
  }
  for (const m of members) if (m !== from) deliver(m, `${line}\n`, 1);
}

function flushBatch() {
  const from = batchFrom;
  const text = batchText;
  const n = batchLines;
  batchFrom = null;
  batchText = '';
  batchLines = 0;
  if (n !== 0) for (const m of members) if (m !== from) deliver(m, text, n);
}

// text: whole lines; a lagging member only counts what it misses (its buffer stays bounded)
function deliver(m, text, lines) {
  if (m.lagging) {
    m.missed += lines;
    return;
  }
  if (!m.socket.write(text)) m.lagging = true;
}

function caughtUp(m) {
  m.lagging = false;
  if (m.missed === 0) return;
  const n = m.missed;
  m.missed = 0;
  deliver(m, `* you missed ${n} line${n === 1 ? '' : 's'} while your connection was not reading\n`, 1);
}

function who() {
  const names = [...members].map((m) => m.nick);
  const out = [];
  let line = `* ${names.length} here:`;
  for (const name of names) {
    if (line.length + 1 + name.length > MAX_MESSAGE) {
      out.push(line);
      line = '*';
    }
    line += ` ${name}`;
  }
  out.push(line);
  return out;
}

function rename(m, wanted) {
  if (!VALID_NICK.test(wanted)) return '! invalid nickname (1-20 of A-Z a-z 0-9 _ -, starting with a letter)';
  if (wanted.toLowerCase().startsWith(GUEST)) return `! nicknames starting with ${GUEST} are reserved`;
  const holder = byNick.get(wanted.toLowerCase());
  if (holder !== undefined && holder !== m) return `! nickname ${wanted} is taken`;
  const old = m.nick;
  byNick.delete(old.toLowerCase());
  m.nick = wanted;
  byNick.set(wanted.toLowerCase(), m);
  if (old !== wanted) broadcast(m, `* ${old} is now ${wanted}`);
  return `* you are now ${wanted}`;
}

// one received line (CR stripped); returns the reply text for the sender ('' for none)
function onLine(m, line) {
  if (line.length * 3 > MAX_MESSAGE && Buffer.byteLength(line, 'utf8') > MAX_MESSAGE) return `${TOO_LONG}\n`;
  if (line.charCodeAt(0) === 0x2f /* '/' */) {
    const space = line.indexOf(' ');
    const name = (space === -1 ? line : line.slice(0, space)).toLowerCase();
    const arg = space === -1 ? '' : line.slice(space + 1).trim();
    switch (name) {
      case '/nick': return `${arg === '' ? '! usage: /nick NAME' : rename(m, arg)}\n`;
      case '/who': return `${who().join('\n')}\n`;
      case '/quit': m.quitting = true; return '* bye\n';
      default: return `! unknown command ${name.length > 20 ? `${name.slice(0, 20)}...` : name}; try /nick NAME, /who or /quit\n`;
    }
  }
  if (line.trim() === '') return '';
  broadcast(m, `<${m.nick}> ${line}`);
  return '';
}

// bytes [start, end) of buf as a line: CR of a CRLF stripped, over-long lines refused
function lineAt(m, buf, start, end) {
  if (end > start && buf[end - 1] === 13) end--;
  if (end - start > MAX_LINE) return `${TOO_LONG}\n`;
  return onLine(m, buf.toString('utf8', start, end));
}

listen((socket) => {
  const m = { socket, nick: `${GUEST}${nextId++}`, lagging: false, missed: 0, quitting: false };
  let parts = null; // Buffers of an unterminated line, or null
  let partsLen = 0;
  let dropping = false; // inside an over-long line: discarded up to its '\n'

  members.add(m);
  byNick.set(m.nick.toLowerCase(), m);
  deliver(m, `* welcome, ${m.nick}! ${members.size} here; commands: /nick NAME, /who, /quit\n`, 1);
  broadcast(m, `* ${m.nick} joined`);

  socket.on('data', (chunk) => {
    if (m.quitting) return; // after /quit nothing more is handled
    batchFrom = m;
    let out = '';
    let start = 0;
    let idx = chunk.indexOf(10);
    if (dropping || parts !== null) {
      if (idx === -1) {
        if (!dropping) {
          const tail = Buffer.from(chunk); // copy: the chunk may come from a pool
          parts.push(tail);
          partsLen += tail.length;
          if (partsLen > MAX_LINE + 1) { dropping = true; parts = null; partsLen = 0; out += `${TOO_LONG}\n`; }
        }
      } else {
        if (!dropping) {
          parts.push(chunk.subarray(0, idx));
          const line = Buffer.concat(parts, partsLen + idx);
          out += lineAt(m, line, 0, line.length);
        }
        dropping = false;
        parts = null;
        partsLen = 0;
        start = idx + 1;
        idx = chunk.indexOf(10, start);
      }
    }
    if (!dropping && parts === null) {
      while (idx !== -1 && !m.quitting) {
        out += lineAt(m, chunk, start, idx);
        start = idx + 1;
        idx = chunk.indexOf(10, start);
      }
      if (start < chunk.length && !m.quitting) {
        if (chunk.length - start > MAX_LINE + 1) {
          dropping = true;
          out += `${TOO_LONG}\n`;
        } else {
          const tail = Buffer.from(chunk.subarray(start));
          parts = [tail];
          partsLen = tail.length;
        }
      }
    }
    flushBatch();
    if (m.quitting) {
      socket.end(out);
      socket.once('finish', () => socket.destroy()); // our bytes and FIN are out: do not wait for the peer's
    } else if (out.length !== 0 && !socket.write(out)) {
      socket.pause(); // the sender does not read its replies: stop reading it until they drain
    }
  });
  socket.on('drain', () => {
    if (!m.quitting) socket.resume();
    if (m.lagging) caughtUp(m);
  });
  socket.on('close', () => {
    if (!members.delete(m)) return;
    byNick.delete(m.nick.toLowerCase());
    broadcast(m, `* ${m.nick} left`);
  });
  socket.on('error', () => {}); // 'close' follows
}, { highWaterMark: HIGH_WATER_MARK });
