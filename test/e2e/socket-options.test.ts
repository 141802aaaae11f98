import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { injectable } from 'tsyringe';
import { BootstrapError, Connect, Connection, Listen, Module, OnData, OptionError, Protocol, bootstrap, lines, silentLogger, type Application } from '../../src';
import { compileApplication } from '../../src/application/bootstrap';
import type { SocketConnection } from '../../src/transport/socket-connection';
import { destroySocket, eventually } from '../support/peer';
import { makeTestCerts } from '../transport/support/certs';

/**
 * What these tests can observe, honestly:
 * - keep-alive, in the kernel: /proc/net/tcp shows, per socket, which timer is pending; an idle
 *   established socket has its keep-alive timer pending (timer 2) only with SO_KEEPALIVE, due
 *   after TCP_KEEPIDLE — so `initialDelayMs` is checked against the kernel's own countdown.
 * - noDelay: node has no getsockopt, and Nagle's effect is a timing; the tests read the value
 *   node recorded when it called setsockopt(TCP_NODELAY) on the handle (its kSetNoDelay field).
 */
const certs = makeTestCerts();
const KEEPALIVE_MS = 30_000;
const CLIENT_KEEPALIVE_MS = 20_000;

/** Every server-side connection, so the test can reach its socket. */
@injectable()
class Accepted {
  readonly conns: Connection[] = [];
}

@Listen({ port: 0, host: '127.0.0.1', keepAlive: { initialDelayMs: KEEPALIVE_MS }, noDelay: false })
@Listen({ port: 0, host: '127.0.0.1' })
@Listen({ transport: 'tls', port: 0, host: '127.0.0.1', tls: { key: certs.server.key, cert: certs.server.cert }, keepAlive: { initialDelayMs: KEEPALIVE_MS } })
@Protocol({ codec: lines() })
class Server {
  constructor(conn: Connection, accepted: Accepted) {
    accepted.conns.push(conn);
  }

  @OnData() echo(line: string): string {
    return line;
  }
}

/** Dialled with `app.connect`, with the target's socket options. */
@Protocol({ codec: lines() })
class Dialler {
  @OnData() line(): void {}
}

@Module({ protocols: [Server, Dialler], providers: [Accepted] })
class SocketOptionsModule {}

/** Clock ticks per second, the unit of /proc/net/tcp's timers (read once, on Linux only). */
let clockTicks: number | undefined;
const procTcp = fs.existsSync('/proc/net/tcp');

/** The kernel's pending timer for the IPv4 socket local:remote on 127.0.0.1 (/proc/net/tcp). */
function kernelTimer(localPort: number, remotePort: number): { timer: number; seconds: number } | undefined {
  const hex = (port: number): string => `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] !== hex(localPort) || fields[2] !== hex(remotePort)) continue;
    const [timer, when] = fields[5].split(':');
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
    return { timer: parseInt(timer, 16), seconds: parseInt(when, 16) / clockTicks };
  }
  return undefined;
}

/** Waits for the socket's timer to settle (no retransmission pending on loopback), bounded. */
async function settledTimer(localPort: number, remotePort: number): Promise<{ timer: number; seconds: number }> {
  let found: { timer: number; seconds: number } | undefined;
  await eventually(() => {
    found = kernelTimer(localPort, remotePort);
    return found !== undefined && found.timer !== 1;
  }, 5000, `the socket ${localPort}->${remotePort} in /proc/net/tcp`);
  return found as { timer: number; seconds: number };
}

/** What node recorded when it last called setNoDelay/setKeepAlive on the socket's handle. */
function recorded(socket: net.Socket): { noDelay: unknown; keepAlive: unknown; keepAliveDelaySeconds: unknown } {
  const value = (name: string): unknown => {
    const symbol = Object.getOwnPropertySymbols(socket).find((s) => s.description === name);
    return symbol === undefined ? undefined : (socket as unknown as Record<symbol, unknown>)[symbol];
  };
  return { noDelay: value('kSetNoDelay'), keepAlive: value('kSetKeepAlive'), keepAliveDelaySeconds: value('kSetKeepAliveInitialDelay') };
}

const socketOf = (conn: Connection): net.Socket => (conn as SocketConnection).socket;

(procTcp ? describe : describe.skip)('socket options on real sockets (noDelay, keepAlive)', () => {
  let app: Application;
  const sockets: net.Socket[] = [];
  beforeAll(async () => {
    app = await bootstrap(SocketOptionsModule, { logger: silentLogger });
  });
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map(destroySocket));
  });
  afterAll(async () => {
    await app.close({ timeoutMs: 1000 });
    certs.cleanup();
  });

  /** Connects a plain client to `Server`'s `index`-th listener and returns the server's side of it. */
  async function acceptedBy(index: number): Promise<{ server: net.Socket; client: net.Socket }> {
    const { port, transport } = app.address(Server, index);
    const accepted = app.container.resolve(Accepted);
    const before = accepted.conns.length;
    const client = await new Promise<net.Socket>((resolve, reject) => {
      const socket = transport === 'tls' ? tls.connect({ host: '127.0.0.1', port, ca: certs.server.cert, servername: 'localhost' }) : net.connect({ host: '127.0.0.1', port });
      sockets.push(socket);
      socket.once('error', reject);
      socket.once(transport === 'tls' ? 'secureConnect' : 'connect', () => resolve(socket));
    });
    await eventually(() => accepted.conns.length > before, 5000, 'the server to accept');
    return { server: socketOf(accepted.conns[accepted.conns.length - 1]), client };
  }

  it('keepAlive { initialDelayMs } reaches the kernel on an accepted TCP socket: its keep-alive timer is pending, due within the delay', async () => {
    const { server, client } = await acceptedBy(0);
    const { timer, seconds } = await settledTimer(server.localPort as number, client.localPort as number);
    expect(timer).toBe(2);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(KEEPALIVE_MS / 1000);
    expect(recorded(server)).toEqual({ noDelay: false, keepAlive: true, keepAliveDelaySeconds: KEEPALIVE_MS / 1000 });
  });

  it('by default: no keep-alive timer in the kernel, and noDelay on', async () => {
    const { server, client } = await acceptedBy(1);
    const { timer } = await settledTimer(server.localPort as number, client.localPort as number);
    expect(timer).toBe(0);
    expect(recorded(server).noDelay).toBe(true);
    expect(recorded(server).keepAlive).not.toBe(true);
  });

  it('TLS: the options reach the TCP socket beneath the TLS one', async () => {
    const { server, client } = await acceptedBy(2);
    const { timer, seconds } = await settledTimer(server.localPort as number, client.localPort as number);
    expect(timer).toBe(2);
    expect(seconds).toBeLessThanOrEqual(KEEPALIVE_MS / 1000);
    expect(recorded(server).noDelay).toBe(true);
  });

  it('app.connect applies the target options to the dialled socket', async () => {
    const { port } = app.address(Server, 1);
    const { connection, closed } = await app.connect(Dialler, { port, keepAlive: { initialDelayMs: CLIENT_KEEPALIVE_MS }, noDelay: false });
    const socket = socketOf(connection);
    const { timer, seconds } = await settledTimer(socket.localPort as number, port);
    expect(timer).toBe(2);
    expect(seconds).toBeLessThanOrEqual(CLIENT_KEEPALIVE_MS / 1000);
    expect(recorded(socket)).toEqual({ noDelay: false, keepAlive: true, keepAliveDelaySeconds: CLIENT_KEEPALIVE_MS / 1000 });
    connection.destroy();
    await closed;
  });

  it('app.connect refuses a bad socket option with an OptionError, before dialling', async () => {
    const { port } = app.address(Server, 1);
    await expect(app.connect(Dialler, { port, keepAlive: 'yes' as never })).rejects.toBeInstanceOf(OptionError);
    await expect(app.connect(Dialler, { port, noDelay: 1 as never })).rejects.toThrow('noDelay must be true or false');
  });
});

describe('@Connect socket options are checked at bootstrap', () => {
  it('names the class', () => {
    @Connect({ port: 1, keepAlive: { initialDelayMs: 10 }, reconnect: false })
    @Protocol()
    class BadClient {
      @OnData() data(): void {}
    }
    @Module({ protocols: [BadClient] })
    class M {}
    expect(() => compileApplication(M, { logger: silentLogger })).toThrow(BootstrapError);
    expect(() => compileApplication(M, { logger: silentLogger })).toThrow(/@Connect on BadClient: .*keepAlive.initialDelayMs/);
  });
});
