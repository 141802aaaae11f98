import { bootstrap, silentLogger, type Application } from 'torsion';
import { createTestingApp } from 'torsion/testing';
import { Peer, eventually } from '../../test/support/peer';
import { haproxyBinary, startHaproxy, type RunningHaproxy } from '../../test/support/haproxy';
import { spawnExample, type ExampleProcess } from '../test-support/example-process';
import { ProxyWhoamiModule, Whoami } from './app';

const lines = (peer: Peer): string[] => peer.text.split('\n').slice(0, -1);

async function ask(port: number, question: string, answers = 1): Promise<{ peer: Peer; lines: string[] }> {
  const peer = await Peer.connect(port);
  peer.send(question);
  await peer.until((p) => lines(p).length >= answers, 15_000, `${answers} answer(s) to ${JSON.stringify(question)}`);
  return { peer, lines: lines(peer) };
}

describe('examples/proxy-whoami in memory', () => {
  it('WHOAMI names the peer (IPv6 in brackets), PID the serving process, anything else is echoed', async () => {
    const t = createTestingApp(ProxyWhoamiModule);
    const c = t.connect(Whoami, { peer: { address: '2001:db8::7', port: 4321 } });
    c.send('WHOAMI\npid\nhello there\n');
    expect(c.frames()).toEqual(['peer [2001:db8::7]:4321', `pid ${process.pid}`, 'hello there']);
    const v4 = t.connect(Whoami, { peer: { address: '192.0.2.1', port: 1 } });
    v4.send('whoami\n');
    expect(v4.frames()).toEqual(['peer 192.0.2.1:1']);
    await t.close();
  });

  it('a bad PROXY_PROTOCOL value fails at bootstrap, naming the option', async () => {
    await expect(bootstrap(ProxyWhoamiModule.configure({ proxyProtocol: 'v9' as never, port: 0, host: '127.0.0.1' }), { logger: silentLogger })).rejects.toThrow(/proxyProtocol version must be 'v1', 'v2' or 'any'/);
  });
});

const haproxy = haproxyBinary();
if (haproxy === undefined) {
  // eslint-disable-next-line no-console
  console.warn('examples/proxy-whoami: haproxy is not installed (apt-get install haproxy); the tests behind a real HAProxy are skipped');
}
const behindHaproxy = haproxy === undefined ? describe.skip : describe;

behindHaproxy('examples/proxy-whoami behind a real HAProxy', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it.each([
    ['send-proxy', 'v1'],
    ['send-proxy-v2', 'v2'],
  ] as const)('with %s the protocol sees the real client; health checks are accepted, never refused', async (sendProxy, version) => {
    const app: Application = await bootstrap(ProxyWhoamiModule.configure({ proxyProtocol: version, port: 0, host: '127.0.0.1' }), { logger: silentLogger });
    cleanups.push(() => app.close().then(() => undefined));
    const proxy: RunningHaproxy = await startHaproxy(haproxy as string, app.address(Whoami).port, `${sendProxy} check inter 200ms`);
    cleanups.push(() => proxy.stop());
    const { peer, lines: answers } = await ask(proxy.port, 'WHOAMI\nsame segment\n', 2);
    cleanups.push(() => peer.close());
    // The client's own end, not HAProxy's connection to us.
    expect(answers).toEqual([`peer 127.0.0.1:${peer.socket.localPort}`, 'same segment']);
    // Health checks (v1: a full PROXY line with the checker's addresses; v2: LOCAL with a CRC32C
    // TLV) reach the listener too: accepted as connections, none refused.
    await eventually(() => app.listenerStats(Whoami).accepted >= 3, 15_000, 'a health check or two');
    expect(app.listenerStats(Whoami).refused.proxyProtocol).toBe(0);
  });

  it('without the option the header is ordinary bytes to the protocol (here: a line it echoes); the option is what reads it', async () => {
    const app: Application = await bootstrap(ProxyWhoamiModule.configure({ port: 0, host: '127.0.0.1' }), { logger: silentLogger });
    cleanups.push(() => app.close().then(() => undefined));
    const proxy = await startHaproxy(haproxy as string, app.address(Whoami).port, 'send-proxy');
    cleanups.push(() => proxy.stop());
    const { peer, lines: answers } = await ask(proxy.port, 'WHOAMI\n', 2);
    cleanups.push(() => peer.close());
    expect(answers[0]).toMatch(/^PROXY TCP4 127\.0\.0\.1 127\.0\.0\.1 \d+ \d+\r?$/);
    expect(answers[1]).toMatch(/^peer 127\.0\.0\.1:\d+$/);
  });

  it('main.ts with WORKERS=2 and PROXY_PROTOCOL=v1 behind send-proxy: each connection is served by a worker, which sees the client', async () => {
    const server: ExampleProcess = spawnExample('proxy-whoami', { PORT: '0', HOST: '127.0.0.1', PROXY_PROTOCOL: 'v1', WORKERS: '2' });
    cleanups.push(() => server.stop());
    const out = await server.waitForStdout((s) => /listening tcp 127\.0\.0\.1:\d+/.test(s), 60_000);
    const port = Number(/listening tcp 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
    const proxy = await startHaproxy(haproxy as string, port, 'send-proxy');
    cleanups.push(() => proxy.stop());
    for (let i = 0; i < 4; i++) {
      const { peer, lines: answers } = await ask(proxy.port, 'WHOAMI\nPID\n', 2);
      cleanups.push(() => peer.close());
      expect(answers[0]).toBe(`peer 127.0.0.1:${peer.socket.localPort}`);
      // A worker's pid: not the primary's (the process spawned), which serves nothing itself.
      expect(answers[1]).toMatch(/^pid \d+$/);
      expect(answers[1]).not.toBe(`pid ${server.child.pid}`);
    }
  });

  it('main.ts with PROXY_PROTOCOL=v2 behind send-proxy-v2: WHOAMI shows the client, PID the serving process', async () => {
    const server: ExampleProcess = spawnExample('proxy-whoami', { PORT: '0', HOST: '127.0.0.1', PROXY_PROTOCOL: 'v2' });
    cleanups.push(() => server.stop());
    const out = await server.waitForStdout((s) => /listening tcp 127\.0\.0\.1:\d+/.test(s), 90_000);
    const port = Number(/listening tcp 127\.0\.0\.1:(\d+)/.exec(out)?.[1]);
    const proxy = await startHaproxy(haproxy as string, port, 'send-proxy-v2 check inter 200ms');
    cleanups.push(() => proxy.stop());
    const { peer, lines: answers } = await ask(proxy.port, 'WHOAMI\nPID\n', 2);
    cleanups.push(() => peer.close());
    expect(answers).toEqual([`peer 127.0.0.1:${peer.socket.localPort}`, `pid ${server.child.pid}`]);
  });
});
