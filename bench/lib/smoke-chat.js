'use strict';
// Smoke check for a chat server (torsion's examples/chat and bench/reference/chat.js):
// two members go through the whole protocol and every line each receives is compared, in
// order, with what the protocol says (any extra or missing line fails).
const { LineClient } = require('./line-client');

const WELCOME = /^\* welcome, (guest-\d+)! (\d+) here; commands: \/nick NAME, \/who, \/quit$/;

async function chat(host, port) {
  const a = await LineClient.open(host, port);
  let b = null;
  try {
    const [, aNick, aCount] = await a.next(WELCOME);
    if (aCount !== '1') throw new Error(`first member told "${aCount} here", want 1 (a fresh server)`);
    b = await LineClient.open(host, port);
    const [, bNick, bCount] = await b.next(WELCOME);
    if (bCount !== '2') throw new Error(`second member told "${bCount} here", want 2`);
    await a.next(`* ${bNick} joined`);

    // a line split across reads, CRLF, several lines in one read, a UTF-8 character split
    // between two reads, and a blank line (not broadcast)
    const text = Buffer.from('hello\r\nworld\nünïcödé ✓ ok\n   \n');
    const mid = text.indexOf(Buffer.from('✓')) + 1;
    await a.send(text.subarray(0, 3), text.subarray(3, 9), text.subarray(9, mid), text.subarray(mid));
    await b.next(`<${aNick}> hello`);
    await b.next(`<${aNick}> world`);
    await b.next(`<${aNick}> ünïcödé ✓ ok`);

    await b.send('/nick bob\n');
    await b.next('* you are now bob');
    await a.next(`* ${bNick} is now bob`);
    await a.send('/who\n/dance now\n');
    await a.next(`* 2 here: ${aNick} bob`);
    await a.next('! unknown command /dance; try /nick NAME, /who or /quit');
    await b.send(`${'x'.repeat(1100)}\nstill here\n`); // over the 1024-byte limit: refused, the member stays
    await b.next('! line too long (at most 1024 bytes)');
    await a.next('<bob> still here');

    await a.send('/quit\nnot sent\n');
    await a.next('* bye');
    await a.waitClosed();
    await b.next(`* ${aNick} left`);
    if (a.lines.length || b.lines.length) throw new Error(`unexpected lines: ${JSON.stringify([...a.lines, ...b.lines]).slice(0, 200)}`);
  } finally {
    a.close();
    if (b) b.close();
  }
}

module.exports = { chat };
