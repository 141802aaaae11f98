import { spawn } from 'node:child_process';
import * as net from 'node:net';
import { bootstrap, silentLogger, type Application } from 'torsion';
import { Peer, eventually } from '../../test/support/peer';
import { PortForwardModule, ProxyServer } from './app';
import { ProxyWhoamiModule, Whoami } from '../proxy-whoami/app';

/**
 * A target that echoes (an echo server as the examples' own: it answers what it got, and ends
 * once the client has ended and every answer is out). `gate`, when given, holds each answer
 * until it resolves (a slow target).
 */
async function startTarget(gate?: Promise<void>): Promise<{ port: number; server: net.Server; sockets: net.Socket[]; received: () => number }> {
  const sockets: net.Socket[] = [];
  let received = 0;
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.push(socket);
    let answered = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (gate === undefined) socket.write(chunk);
      else answered = answered.then(() => gate).then(() => void socket.write(chunk));
    });
    socket.on('end', () => void answered.then(() => socket.end()));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, server, sockets, received: () => received };
}

async function startForward(port: number, idleMs?: number): Promise<Application> {
  return bootstrap(PortForwardModule.configure({ target: { host: '127.0.0.1', port }, port: 0, host: '127.0.0.1', idleMs }), { logger: silentLogger });
}

function pattern(size: number): Buffer {
  const payload = Buffer.alloc(size);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 131) & 0xff;
  return payload;
}

describe('examples/port-forward', () => {
  it('relays every byte both ways, in order', async () => {
    const target = await startTarget();
    const app = await startForward(target.port);
    try {
      const peer = await Peer.connect(app.address(ProxyServer).port);
      const payload = pattern(2 * 1024 * 1024);
      peer.send(payload);
      await peer.receive(payload.length, 10_000);
      expect(peer.received.equals(payload)).toBe(true);
      await peer.close();
      await eventually(() => app.metrics().connections === 0);
    } finally {
      await app.close();
      await closeServer(target.server);
    }
  });

  it('stops reading from the client while the target does not read (bounded memory), and catches up after', async () => {
    const target = await startTarget();
    const app = await startForward(target.port);
    try {
      const peer = await Peer.connect(app.address(ProxyServer).port);
      await eventually(() => target.sockets.length === 1);
      target.sockets[0].pause(); // the target stops reading
      const payload = pattern(32 * 1024 * 1024);
      peer.send(payload);
      // The forwarder must stop taking the client's bytes: once the flow has stalled (nothing
      // more leaves the client), most of the payload is still queued in the client's own socket
      // instead of piling up in the forwarder.
      await quiescent(() => peer.socket.writableLength);
      expect(peer.socket.writableLength).toBeGreaterThan(8 * 1024 * 1024);
      expect(target.received()).toBeLessThan(payload.length);
      target.sockets[0].resume();
      await peer.receive(payload.length, 20_000);
      expect(peer.received.equals(payload)).toBe(true);
      await peer.close();
    } finally {
      await app.close();
      await closeServer(target.server);
    }
  });

  it('closes the client connection when the target refuses', async () => {
    const target = await startTarget();
    const port = target.port;
    await new Promise((resolve) => target.server.close(resolve));
    const app = await startForward(port);
    try {
      const peer = await Peer.connect(app.address(ProxyServer).port);
      await peer.waitClosed();
      expect(peer.received.length).toBe(0);
      // Our side closes once the peer's FIN answers ours (a lingering close), just after the peer's.
      await eventually(() => app.metrics().connections === 0, 5_000, 'the forwarder to close the client connection');
    } finally {
      await app.close();
    }
  });

  it('frees both sides when the client resets while the stalled target holds it paused (idle timeout)', async () => {
    const target = await startTarget();
    const app = await startForward(target.port, 300);
    try {
      const peer = await Peer.connect(app.address(ProxyServer).port);
      await eventually(() => target.sockets.length === 1);
      target.sockets[0].pause(); // the target stalls: the forwarder stops reading from the client
      peer.send(pattern(8 * 1024 * 1024));
      await quiescent(() => peer.socket.writableLength);
      peer.socket.resetAndDestroy(); // RST, which the paused forwarder cannot read
      // Without a timeout both connections (and ~MBs of buffers) were held forever.
      await eventually(() => app.metrics().connections === 0, 10_000, 'the forwarder to free both connections');
      expect(app.metrics().connections).toBe(0);
    } finally {
      await app.close();
      // The paused target would never see the forwarder's reset either.
      for (const socket of target.sockets) socket.destroy();
      await closeServer(target.server);
    }
  });

  describe('passes a half-close on (the client sends, then FIN, and still gets every answer)', () => {
    it('socat with its stdin at end of file gets its reply', async () => {
      const target = await startTarget();
      const app = await startForward(target.port);
      try {
        const out = await run('socat', ['-t', '5', '-', `TCP:127.0.0.1:${app.address(ProxyServer).port}`], 'hello\n');
        expect(out).toBe('hello\n');
      } finally {
        await app.close();
        await closeServer(target.server);
      }
    });

    it('5 MB then SHUT_WR: all 5 MB come back, then a clean end of stream', async () => {
      const target = await startTarget();
      const app = await startForward(target.port);
      try {
        const peer = await Peer.connect(app.address(ProxyServer).port);
        const payload = pattern(5 * 1024 * 1024);
        peer.socket.end(payload); // write, then FIN
        await peer.receive(payload.length, 20_000);
        await eventually(() => peer.ended, 10_000, 'the end of stream passed on from the target');
        expect(peer.received.equals(payload)).toBe(true);
        expect(peer.error).toBeUndefined();
      } finally {
        await app.close();
        await closeServer(target.server);
      }
    });

    it('a slow target answers after the client has ended its side', async () => {
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const target = await startTarget(gate);
      const app = await startForward(target.port);
      try {
        const peer = await Peer.connect(app.address(ProxyServer).port);
        peer.socket.end('late\n');
        await eventually(() => target.received() === 5, 5000, 'the target to get the bytes');
        // The target has the client's FIN but has not answered yet: nothing was cut short.
        await eventually(() => target.sockets[0]?.readableEnded === true, 5000, "the client's FIN to reach the target");
        expect(peer.closed).toBe(false);
        open();
        await peer.receive(5, 5000);
        await eventually(() => peer.ended, 5000, 'the end of stream');
        expect(peer.received.toString()).toBe('late\n');
      } finally {
        await app.close();
        await closeServer(target.server);
      }
    });
  });

  it.each(['v1', 'v2'] as const)('with proxyProtocol %s passes the client on: a target behind it sees the real client', async (version) => {
    const whoami = await bootstrap(ProxyWhoamiModule.configure({ proxyProtocol: version, port: 0, host: '127.0.0.1' }), { logger: silentLogger });
    const app = await bootstrap(PortForwardModule.configure({ target: { host: '127.0.0.1', port: whoami.address(Whoami).port, proxyProtocol: version }, port: 0, host: '127.0.0.1' }), { logger: silentLogger });
    try {
      const peer = await Peer.connect(app.address(ProxyServer).port);
      peer.send('WHOAMI\n');
      await peer.until((p) => p.text.includes('\n'), 10_000, 'the answer');
      expect(peer.text).toBe(`peer 127.0.0.1:${peer.socket.localPort}\n`);
      await peer.close();
    } finally {
      await app.close();
      await whoami.close();
    }
  });
});

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Runs a real client with `input` on its stdin (then EOF); resolves with its stdout (bounded). */
function run(command: string, args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} exited with ${String(code)}: ${err}`));
    });
    child.stdin.end(input);
  });
}

/** Waits until `read()` has stopped changing for a while (a stalled flow), bounded. */
async function quiescent(read: () => number, quietMs = 200, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = read();
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() > deadline) throw new Error(`the value kept changing for ${timeoutMs} ms (now ${read()})`);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const now = read();
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}
