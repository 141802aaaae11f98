import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { Listen, Module, OnConnect, OnData, Protocol, bootstrap, lines, silentLogger, type Application, type ListenOptions } from '../../src';
import { eventually } from '../support/peer';
import { makeTestCerts } from '../transport/support/certs';

const REFUSE = '-ERR max number of clients reached\r\n';
const certs = makeTestCerts();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torsion-limits-'));
const limits = { maxConnections: 2, refuseMessage: REFUSE };

/** Greets every accepted connection, so a peer knows it got in. */
@Listen({ port: 0, host: '127.0.0.1', ...limits })
@Listen({ transport: 'unix', path: path.join(dir, 'limited.sock'), ...limits })
@Listen({ transport: 'tls', port: 0, host: '127.0.0.1', tls: { key: certs.server.key, cert: certs.server.cert }, ...limits })
@Protocol({ codec: lines() })
class Greeter {
  @OnConnect() hello(): string {
    return 'hello';
  }

  @OnData() echo(line: string): string {
    return line;
  }
}

/** One per peer address: a second connection from 127.0.0.1 is refused, silently. */
@Listen({ port: 0, host: '127.0.0.1', maxConnectionsPerPeer: 1 })
@Protocol({ codec: lines() })
class OnePerPeer {
  @OnConnect() hello(): string {
    return 'hello';
  }

  @OnData() echo(line: string): string {
    return line;
  }
}

@Module({ protocols: [Greeter, OnePerPeer] })
class LimitsE2eModule {}

/** A client over any stream transport, collecting what it reads until the server closes. */
class Client {
  text = '';
  ended = false;
  readonly closed: Promise<void>;

  constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (this.text += chunk));
    socket.on('end', () => (this.ended = true));
    socket.on('error', () => undefined); // a refused peer may see a reset after the message
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static open(app: Application, index: number): Promise<Client> {
    const address = app.address(Greeter, index);
    return new Promise((resolve, reject) => {
      const socket =
        address.transport === 'tls'
          ? tls.connect({ host: '127.0.0.1', port: address.port, ca: certs.server.cert, servername: 'localhost' })
          : net.connect(address.path !== undefined ? { path: address.path } : { host: '127.0.0.1', port: address.port });
      socket.once('error', reject);
      socket.once(address.transport === 'tls' ? 'secureConnect' : 'connect', () => {
        socket.off('error', reject);
        resolve(new Client(socket));
      });
    });
  }

  until(predicate: () => boolean, what: string): Promise<void> {
    return eventually(predicate, 5000, `${what} (received ${JSON.stringify(this.text)})`);
  }

  close(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }
}

describe('connection limits on real sockets: past maxConnections a peer reads refuseMessage then EOF', () => {
  let app: Application;
  const clients: Client[] = [];
  beforeAll(async () => {
    app = await bootstrap(LimitsE2eModule, { logger: silentLogger });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await app.close({ timeoutMs: 1000 });
    certs.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const transports: Array<[string, number]> = [
    ['tcp', 0],
    ['unix', 1],
    ['tls', 2],
  ];
  it.each(transports)('%s: the third of two allowed is refused; closing one lets a new one in', async (_transport, index) => {
    const stats = app.listenerStats(Greeter, index);
    const open = async (): Promise<Client> => {
      const client = await Client.open(app, index);
      clients.push(client);
      return client;
    };
    const a = await open();
    const b = await open();
    await a.until(() => a.text === 'hello\n', 'a welcomed');
    await b.until(() => b.text === 'hello\n', 'b welcomed');

    const refused = await open();
    await refused.closed;
    expect(refused.text).toBe(REFUSE);
    expect(refused.ended).toBe(true);
    expect(stats).toEqual({ accepted: 2, refused: { maxConnections: 1, maxConnectionsPerPeer: 0, proxyProtocol: 0 }, open: 2 });

    // The two admitted connections were not touched.
    a.socket.write('still\n');
    await a.until(() => a.text === 'hello\nstill\n', 'a echoed');

    await a.close();
    await eventually(() => stats.open === 1, 5000, 'the server to see the close');
    const c = await open();
    await c.until(() => c.text === 'hello\n', 'c welcomed');
    expect(stats).toEqual({ accepted: 3, refused: { maxConnections: 1, maxConnectionsPerPeer: 0, proxyProtocol: 0 }, open: 2 });
  });

  it('maxConnectionsPerPeer: a second connection from the same address is closed without a word', async () => {
    const stats = app.listenerStats(OnePerPeer);
    const port = app.address(OnePerPeer).port;
    const connect = (): Promise<Client> =>
      new Promise((resolve, reject) => {
        const socket = net.connect({ host: '127.0.0.1', port });
        socket.once('error', reject);
        socket.once('connect', () => {
          const client = new Client(socket);
          clients.push(client);
          resolve(client);
        });
      });
    const first = await connect();
    await first.until(() => first.text === 'hello\n', 'first welcomed');
    const second = await connect();
    await second.closed;
    expect(second.text).toBe('');
    expect(stats.refused.maxConnectionsPerPeer).toBe(1);
    await first.close();
    await eventually(() => stats.open === 0, 5000, 'the server to see the close');
    const third = await connect();
    await third.until(() => third.text === 'hello\n', 'third welcomed');
  });

  it('lists every bound listener with its stats, for a metrics exporter', () => {
    const listed = app.listeners.filter((l) => l.protocol === Greeter);
    expect(listed.map((l) => l.address.transport)).toEqual(['tcp', 'unix', 'tls']);
    expect(listed[0].stats).toBe(app.listenerStats(Greeter, 0));
  });
});

// Declared options satisfy the public type (a compile-time check of the documented names).
const documented: ListenOptions = { port: 7000, maxConnections: 10_000, maxConnectionsPerPeer: 32, noDelay: true, keepAlive: { initialDelayMs: 60_000 }, backlog: 511 };
void documented;
