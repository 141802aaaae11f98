#!/usr/bin/env node
'use strict';
// Broadcast drive for a chat server (the protocol of examples/chat; bench/reference/chat.js):
// N member connections join the room, then one sender connection sends passes of M short
// lines in bursts of whole lines (~16 KiB each), pipelined: at most W bursts are in flight, a
// burst counting as done once every member has received all of it.  Every member must
// receive every relayed line ("<sender> text"), byte for byte and in order; the only other
// lines allowed are the join / leave notices of the probes.  A member the server counted as a
// slow reader ("* you missed ...") fails the drive.
//
// One short warm-up pass (not measured), then measured passes until at least `duration`
// seconds have passed and `probes` probes have answered (at least one pass).
//
// Probes (bench/lib/broadcast-probe.js, a separate process so the drive's own work does not
// delay its clock): right after a burst is sent (so a broadcast is in progress), a fresh
// client connects and times connect() -> its whole welcome line, then leaves.  At most one
// probe starts per burst, at least 20 ms apart.
//
// Members read with `onread` into one reused buffer each: no allocation per read, so the
// drive stays cheap even when the server sends one small segment per line.
//
// Output: one JSON line on stdout, { msgs_per_s, cpu_ns_per_msg, welcome_p50_ms, ... } or
// { error }.  Bounded by --timeout seconds.
// Usage: node bench/lib/broadcast-drive.js --port P [--host 127.0.0.1] [--pid SERVER_PID[,PID...]]
//        [--members 200] [--lines 8192] [--warmup-lines 1024] [--burst 16384] [--window 2]
//        [--duration 3] [--probes 5] [--timeout 180]
const net = require('node:net');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { cpuSeconds } = require('./proc');

let firstError = null;
let finished = false;
const sockets = new Set();
let prober = null;

const opt = { host: '127.0.0.1', port: 0, pid: 0, members: 200, lines: 8192, 'warmup-lines': 1024, burst: 16384, window: 2, duration: 3, probes: 5, timeout: 180 };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, '');
  if (!(k in opt) || i + 1 >= process.argv.length) usage(`bad option ${process.argv[i]}`);
  // --pid may list several processes (a cluster's), summed when sampling CPU
  opt[k] = k === 'host' || k === 'pid' ? process.argv[i + 1] : Number(process.argv[i + 1]);
  if (k === 'pid' ? !/^\d+(,\d+)*$/.test(opt[k]) : k !== 'host' && !(opt[k] >= 0)) usage(`--${k} needs a number`);
}
if (!/^127\./.test(opt.host)) usage('only 127.0.0.0/8 hosts');
if (!(opt.port > 0) || !(opt.members >= 1) || !(opt.lines >= 1) || !(opt['warmup-lines'] >= 1) || !(opt.window >= 1)) {
  usage('needs --port, and --members, --lines, --warmup-lines, --window >= 1');
}
function usage(msg) {
  process.stderr.write(`broadcast-drive: ${msg}\n`);
  process.exit(2);
}

const WELCOME = /^\* welcome, (guest-\d+)! \d+ here; commands: \/nick NAME, \/who, \/quit$/;
const NOTICE = /^\* guest-\d+ (joined|left)$/;
const NL_STAR = Buffer.from('\n*');
const MAX_NOTICE = 200; // bytes: a longer "notice" is an error, not something to buffer
const READ_BUFFER = 64 * 1024;

const hardTimer = setTimeout(() => fail(`timed out after ${opt.timeout} s (${progress()})`), opt.timeout * 1000);

function fail(msg) {
  if (firstError === null) firstError = msg;
  finish();
}

// ---------------------------------------------------------------- the payload
// Line i of a pass: "m<tag>-<i> hello, everyone" (~20 bytes).  Measured passes alternate tags
// 0 and 1, so a line replayed from the previous pass does not match; the warm-up pass is "w".
function buildPass(tag, lines, senderNick) {
  const bursts = []; // what the sender writes
  const ends = []; // byte offset in `relayed` where each burst ends
  const relayed = []; // what each member must receive
  let cur = [];
  let curLen = 0;
  let relayedLen = 0;
  for (let i = 0; i < lines; i++) {
    const line = `m${tag}-${i} hello, everyone\n`;
    if (curLen + line.length > opt.burst && cur.length) {
      bursts.push(Buffer.from(cur.join('')));
      ends.push(relayedLen);
      cur = [];
      curLen = 0;
    }
    cur.push(line);
    curLen += line.length;
    const r = `<${senderNick}> ${line}`;
    relayed.push(r);
    relayedLen += r.length; // ASCII
  }
  bursts.push(Buffer.from(cur.join('')));
  ends.push(relayedLen);
  return { bursts, ends, relayed: Buffer.from(relayed.join('')) };
}

// ---------------------------------------------------------------- state
let warm = null; // pass 0
let payloads = null; // [tag 0, tag 1]: passes 1, 2, 3, ...
const payload = (p) => (p === 0 ? warm : payloads[p & 1]);
// global burst index <-> pass
const passStart = (p) => (p === 0 ? 0 : warm.bursts.length + (p - 1) * payloads[0].bursts.length);
const passOf = (g) => (g < warm.bursts.length ? 0 : 1 + Math.floor((g - warm.bursts.length) / payloads[0].bursts.length));

const doneCount = []; // global burst index -> members that have received all of it
const members = [];
let sender = null;
let sent = 0; // global bursts written by the sender
let passesPlanned = Infinity; // passes to send (warm-up included), once decided
let measuring = null; // { t0, c0, self0, m0 } from when the warm-up pass was all delivered
let result = null;
const probeLatencies = [];
let probesStarted = 0;
let lastProbeAt = 0;

function progress() {
  const slowest = members.length ? Math.min(...members.map((m) => m.g)) : 0;
  return `sent ${sent} bursts, slowest member has ${slowest}, ${probeLatencies.length}/${probesStarted} probes answered`;
}

// ---------------------------------------------------------------- members
function connect(onread) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: opt.host, port: opt.port, onread });
    sockets.add(s);
    s.once('connect', () => resolve(s));
    s.once('error', (e) => reject(new Error(`connect: ${e.message}`)));
  });
}

// A member parses whole lines (set-up: its welcome, join notices) until it hears the sender
// join; from then on it compares the byte stream with the expected passes.
function newMember() {
  const m = { s: null, nick: null, setup: '', streaming: false, pass: 0, off: 0, g: 0, notice: null, notices: 0 };
  const buffer = Buffer.allocUnsafe(READ_BUFFER);
  m.onread = {
    buffer,
    callback: (n, buf) => {
      if (firstError !== null) return false;
      const chunk = buf.subarray(0, n); // valid only during this call: nothing below keeps it
      if (!m.streaming) setupData(m, chunk);
      else streamData(m, chunk, 0);
      return true;
    },
  };
  return m;
}

function setupData(m, chunk) {
  let text = m.setup + chunk.toString('latin1');
  let nl = text.indexOf('\n');
  while (nl !== -1) {
    const line = text.slice(0, nl);
    if (sender !== null && sender.nick === null && m.nick !== null) break; // maybe the sender's join: wait for its nick
    text = text.slice(nl + 1);
    if (m.nick === null) {
      const w = WELCOME.exec(line);
      if (!w) return fail(`member: first line ${JSON.stringify(line)}, want the welcome`);
      m.nick = w[1];
      m.onWelcome();
    } else if (sender !== null && line === `* ${sender.nick} joined`) {
      m.streaming = true;
      m.setup = '';
      m.onSenderJoined();
      if (text.length) streamData(m, Buffer.from(text, 'latin1'), 0);
      return;
    } else if (!NOTICE.test(line)) {
      return fail(`member ${m.nick} before the broadcast: unexpected line ${JSON.stringify(line)}`);
    }
    nl = text.indexOf('\n');
  }
  if (text.length > MAX_NOTICE * 4) return fail(`member ${m.nick}: a ${text.length}-byte line before the broadcast`);
  m.setup = text;
}

// verifies chunk c[i..] against the expected stream; notices may come between lines
function streamData(m, c, i) {
  while (i < c.length) {
    if (m.notice !== null) {
      const nl = c.indexOf(10, i);
      const end = nl === -1 ? c.length : nl;
      m.notice += c.latin1Slice(i, end);
      if (m.notice.length > MAX_NOTICE) return fail(`member ${m.nick}: overlong unexpected line ${JSON.stringify(m.notice.slice(0, 80))}`);
      if (nl === -1) return;
      if (!NOTICE.test(m.notice)) {
        const why = m.notice.startsWith('* you missed') ? ' (the server skipped lines: it took this member for a slow reader)' : '';
        return fail(`member ${m.nick}: unexpected line ${JSON.stringify(m.notice)} in pass ${m.pass} at byte ${m.off}${why}`);
      }
      m.notices++;
      m.notice = null;
      i = nl + 1;
      continue;
    }
    const exp = payload(m.pass);
    if (m.off === 0 || exp.relayed[m.off - 1] === 10) { // at a line start
      if (c[i] === 42 /* '*' */) {
        m.notice = '';
        continue;
      }
      if (m.pass >= passesPlanned || m.g >= sent) {
        return fail(`member ${m.nick}: more than was sent: ${JSON.stringify(c.latin1Slice(i, Math.min(c.length, i + 60)))}`);
      }
    }
    const star = c.indexOf(NL_STAR, i);
    const end = Math.min(star === -1 ? c.length : star + 1, i + (exp.relayed.length - m.off));
    if (!c.subarray(i, end).equals(exp.relayed.subarray(m.off, m.off + (end - i)))) {
      let k = 0; // the first differing byte, from the start of its line (failure path only)
      while (c[i + k] === exp.relayed[m.off + k]) k++;
      while (k > 0 && exp.relayed[m.off + k - 1] !== 10) k--;
      const at = m.off + k;
      return fail(`member ${m.nick}: wrong bytes in pass ${m.pass} at byte ${at}: got ${JSON.stringify(c.latin1Slice(i + k, Math.min(end, i + k + 60)))}, want ${JSON.stringify(exp.relayed.latin1Slice(at, at + 60))}`);
    }
    m.off += end - i;
    i = end;
    const ends = exp.ends;
    for (let b = m.g - passStart(m.pass); b < ends.length && m.off >= ends[b]; b++) burstDone(m.g++);
    if (m.off === exp.relayed.length) {
      m.pass++;
      m.off = 0;
    }
  }
}

function burstDone(g) {
  doneCount[g] = (doneCount[g] || 0) + 1;
  if (doneCount[g] === members.length) pump();
}
const delivered = (g) => doneCount[g] === members.length;

// ---------------------------------------------------------------- sender, passes, probes
// writes every burst the window and the plan allow
function pump() {
  if (firstError !== null || result) return;
  for (;;) {
    const total = passesPlanned === Infinity ? Infinity : passStart(passesPlanned);
    if (sent === total) {
      if (delivered(sent - 1)) measured();
      return;
    }
    if (sent >= opt.window && !delivered(sent - opt.window)) return;
    const pass = passOf(sent);
    if (passStart(pass) === sent) { // a pass boundary
      if (pass === 1 && measuring === null) { // the warm-up is sent: wait for all of it, then start the clock
        if (!delivered(sent - 1)) return;
        measuring = { t0: process.hrtime.bigint(), c0: cpuSeconds(opt.pid), self0: process.cpuUsage(), m0: machineCpu() };
      } else if (pass > 1 && passesPlanned === Infinity) {
        const secs = Number(process.hrtime.bigint() - measuring.t0) / 1e9;
        if (secs >= opt.duration && probeLatencies.length >= opt.probes) {
          passesPlanned = pass; // no more passes
          continue;
        }
      }
    }
    sender.s.write(payload(pass).bursts[sent - passStart(pass)]);
    sent++;
    if (measuring !== null && probesStarted < opt.probes && Date.now() - lastProbeAt >= 20) {
      probesStarted++;
      lastProbeAt = Date.now();
      prober.stdin.write('p\n');
    }
  }
}

function startProber() {
  prober = spawn(process.execPath, [path.join(__dirname, 'broadcast-probe.js'), opt.host, String(opt.port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let buf = '';
  prober.stdout.setEncoding('utf8').on('data', (d) => {
    buf += d;
    let nl = buf.indexOf('\n');
    while (nl !== -1) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.startsWith('ok ')) probeLatencies.push(Number(line.slice(3)));
      else return fail(`probe: ${line.replace(/^err /, '')}`);
      nl = buf.indexOf('\n');
    }
  });
  prober.on('exit', (code) => { if (!finished) fail(`the prober exited (code ${code})`); });
  prober.stdin.on('error', () => {});
}

function measured() {
  if (measuring === null || result) return;
  const secs = Number(process.hrtime.bigint() - measuring.t0) / 1e9;
  const c1 = cpuSeconds(opt.pid);
  const self = process.cpuUsage(measuring.self0);
  const selfSecs = (self.user + self.system) / 1e6;
  const m1 = machineCpu();
  const msgs = (passesPlanned - 1) * opt.lines * members.length;
  const srv = measuring.c0 >= 0 && c1 >= 0 ? c1 - measuring.c0 : NaN;
  const sorted = [...probeLatencies].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  result = {
    msgs_per_s: msgs / secs,
    cpu_ns_per_msg: (srv / msgs) * 1e9,
    welcome_p50_ms: sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2,
    welcome_max_ms: sorted[sorted.length - 1],
    welcome_ms: probeLatencies.map((x) => Number(x.toFixed(2))),
    passes: passesPlanned - 1,
    msgs,
    secs,
    srv_cpu: srv / secs,
    lg_cpu: selfSecs / secs, // the drive only; the prober is idle between probes
    other_cpu: measuring.m0 >= 0 && m1 >= 0 && srv >= 0 ? Math.max(0, (m1 - measuring.m0 - srv - selfSecs) / secs) : -1,
  };
  // every probe's join and leave must reach every member (and the sender) before the result counts
  const want = 2 * opt.probes;
  const deadline = Date.now() + 10_000;
  const check = () => {
    if (firstError !== null) return;
    const short = members.filter((m) => m.notices !== want || m.notice !== null);
    if (short.length === 0 && sender.notices === want) return finish();
    if (Date.now() > deadline) {
      const who = short.length ? `${short.length} members (e.g. ${short[0].nick}: ${short[0].notices})` : `the sender (${sender.notices})`;
      return fail(`${who} did not get the ${want} join/leave notices of the ${opt.probes} probes`);
    }
    setTimeout(check, 20);
  };
  check();
}

// whole-machine busy CPU seconds (all CPUs; everything but idle and iowait), -1 if unknown
function machineCpu() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / 100; // /proc/stat counts in USER_HZ = 100
  } catch {
    return -1;
  }
}

function finish() {
  if (finished) return;
  finished = true;
  clearTimeout(hardTimer);
  for (const s of sockets) s.destroy();
  if (prober) prober.kill();
  const out = firstError !== null ? { error: firstError } : result;
  process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(0));
}

// ---------------------------------------------------------------- start-up
async function main() {
  startProber();
  // members join first (at most 64 connects in flight), each waiting for its welcome
  let welcomed = 0;
  let joinedSeen = 0;
  let allWelcomed;
  let allJoined;
  const welcomedP = new Promise((r) => { allWelcomed = r; });
  const joinedP = new Promise((r) => { allJoined = r; });
  for (let i = 0; i < opt.members; i += 64) {
    const batch = [];
    for (let j = i; j < Math.min(opt.members, i + 64); j++) {
      const m = newMember();
      m.onWelcome = () => { if (++welcomed === opt.members) allWelcomed(); };
      m.onSenderJoined = () => { if (++joinedSeen === opt.members) allJoined(); };
      members.push(m);
      batch.push(connect(m.onread).then((s) => {
        m.s = s;
        s.on('error', (e) => fail(`member ${m.nick}: ${e.message}`));
        s.on('close', () => { if (!result) fail(`member ${m.nick} closed by the server (${progress()})`); });
      }));
    }
    await Promise.all(batch);
  }
  await welcomedP;
  // the sender: its welcome names it; afterwards it hears only the probes' notices
  sender = { s: null, nick: null, notices: 0 }; // set first: members may hear it join before its 'connect'
  const s = await connect();
  sender.s = s;
  let text = '';
  s.on('data', (d) => {
    text += d.toString('latin1');
    let nl = text.indexOf('\n');
    while (nl !== -1) {
      const line = text.slice(0, nl);
      text = text.slice(nl + 1);
      if (sender.nick === null) {
        const w = WELCOME.exec(line);
        if (!w) return fail(`sender: first line ${JSON.stringify(line)}, want the welcome`);
        sender.nick = w[1];
        warm = buildPass('w', opt['warmup-lines'], sender.nick);
        payloads = [buildPass(0, opt.lines, sender.nick), buildPass(1, opt.lines, sender.nick)];
        // members that stopped at a join line until the sender's nick was known
        for (const m of members) if (!m.streaming && m.nick !== null) setupData(m, Buffer.alloc(0));
      } else if (NOTICE.test(line)) {
        sender.notices++;
      } else {
        return fail(`sender: unexpected line ${JSON.stringify(line)}`);
      }
      nl = text.indexOf('\n');
    }
    if (text.length > MAX_NOTICE) fail('sender: an overlong line');
  });
  s.on('error', (e) => fail(`sender: ${e.message}`));
  s.on('close', () => { if (!result) fail('sender closed by the server'); });
  await joinedP;
  pump();
}

main().catch((e) => fail(e.message));
