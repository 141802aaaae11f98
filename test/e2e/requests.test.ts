import {
  Connect,
  Connection,
  ConnectionClosedError,
  Listen,
  Module,
  OnData,
  OptionError,
  Protocol,
  RequestTimeoutError,
  Requester,
  bootstrap,
  jsonLines,
  lines,
  silentLogger,
  type Application,
} from '../../src';
import { VirtualClock } from '../../src/testing';
import { eventually } from '../support/peer';

const opts = { logger: silentLogger };
const WAIT_MS = 15_000;

/**
 * Upper-cases each line; `DROP` resets the connection; `HOLD` is answered only when the next
 * line comes, just before that line's own reply (a slow reply, without timers).
 */
@Listen({ port: 0, host: '127.0.0.1' })
@Protocol({ codec: lines() })
class UpperServer {
  static heard: string[] = [];
  private held = false;
  constructor(private readonly conn: Connection) {}
  @OnData() upper(line: string): string | undefined {
    UpperServer.heard.push(line);
    if (line === 'DROP') {
      this.conn.destroy();
      return undefined;
    }
    if (this.held) this.conn.send('HELD');
    this.held = line === 'HOLD';
    return this.held ? undefined : line.toUpperCase();
  }
}

interface Call {
  id: number;
  word: string;
}

/** Answers JSON calls three at a time, last first: replies come out of order. */
@Listen({ port: 0, host: '127.0.0.1' })
@Protocol({ codec: jsonLines() })
class ReversingServer {
  private held: Call[] = [];
  constructor(private readonly conn: Connection) {}
  @OnData() call(message: Call): void {
    this.held.push(message);
    if (this.held.length < 3) return;
    for (const m of this.held.reverse()) this.conn.send({ id: m.id, result: m.word.toUpperCase() });
    this.held = [];
  }
}

/** Echoes lines of up to 1 MiB. */
@Listen({ port: 0, host: '127.0.0.1' })
@Protocol({ codec: lines({ maxLength: 1 << 20 }) })
class BigEcho {
  @OnData() echo(line: string): string {
    return line;
  }
}

@Module({ protocols: [UpperServer, ReversingServer, BigEcho] })
class ServerModule {}

@Protocol({ codec: lines(), requests: { timeoutMs: WAIT_MS } })
class LineClient {}

@Protocol({ codec: jsonLines(), requests: { correlate: 'id', timeoutMs: WAIT_MS } })
class RpcClient {}

@Protocol({ codec: lines() })
class PlainClient {
  @OnData() line(): void {}
}

@Protocol({ codec: lines({ maxLength: 1 << 20 }), requests: { timeoutMs: WAIT_MS } })
class BigClient {}

@Module({ protocols: [LineClient, RpcClient, PlainClient, BigClient] })
class ClientModule {}

describe('request/response clients over loopback TCP', () => {
  let server: Application;
  let client: Application | undefined;
  beforeAll(async () => {
    server = await bootstrap(ServerModule, opts);
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });
  afterAll(async () => {
    await server.close();
  });

  it('pipelines requests: many in flight on one connection, each resolved with its own reply', async () => {
    client = await bootstrap(ClientModule, opts);
    const upper = await client.connect(LineClient, { host: '127.0.0.1', port: server.address(UpperServer).port });
    const words = Array.from({ length: 200 }, (_, i) => `word${i}`);
    const replies = await Promise.all(words.map((w) => upper.request<string>(w)));
    expect(replies).toEqual(words.map((w) => w.toUpperCase()));
  });

  // Regression: the client stopped reading while its own writes were blocked, so once the
  // server's replies backed up too (it stops reading then), both waited forever.
  it('keeps reading replies while its requests fill the socket: megabytes pipelined do not deadlock', async () => {
    client = await bootstrap(ClientModule, opts);
    const echo = await client.connect(BigClient, { host: '127.0.0.1', port: server.address(BigEcho).port });
    const line = 'x'.repeat(64 * 1024);
    const replies = await Promise.all(Array.from({ length: 512 }, () => echo.request<string>(line)));
    expect(replies.every((r) => r === line)).toBe(true);
    expect(replies).toHaveLength(512);
  }, 30_000);

  it('matches correlated replies that come out of order', async () => {
    client = await bootstrap(ClientModule, opts);
    const rpc = await client.connect(RpcClient, { host: '127.0.0.1', port: server.address(ReversingServer).port });
    const replies = await Promise.all(['a', 'b', 'c'].map((word, id) => rpc.request<{ id: number; result: string }>({ id, word })));
    expect(replies).toEqual([
      { id: 0, result: 'A' },
      { id: 1, result: 'B' },
      { id: 2, result: 'C' },
    ]);
  });

  it('times out on the client reactor clock, and the connection goes on', async () => {
    const clock = new VirtualClock();
    client = await bootstrap(ClientModule, { ...opts, clock });
    const upper = await client.connect(LineClient, { host: '127.0.0.1', port: server.address(UpperServer).port });
    UpperServer.heard = [];
    const held = upper.request('HOLD', { timeoutMs: 2000 }).catch((error: Error) => error);
    await eventually(() => UpperServer.heard.includes('HOLD'), WAIT_MS, 'the request to reach the server');
    clock.advance(1999);
    clock.advance(1);
    expect(await held).toBeInstanceOf(RequestTimeoutError);
    // The server now sends HOLD's late reply, then this one's: the late one is dropped for its slot.
    await expect(upper.request('after')).resolves.toBe('AFTER');
    expect(Requester.of(upper.connection).late).toBe(1);
  });

  it('rejects every pending request with ConnectionClosedError when the server drops the connection', async () => {
    client = await bootstrap(ClientModule, opts);
    const upper = await client.connect(LineClient, { host: '127.0.0.1', port: server.address(UpperServer).port });
    await expect(upper.request('first')).resolves.toBe('FIRST');
    const dropped = upper.request('DROP').catch((error: Error) => error);
    const queued = upper.request('never').catch((error: Error) => error);
    expect(await dropped).toBeInstanceOf(ConnectionClosedError);
    expect(await queued).toMatchObject({ code: 'TORSION_ERR_CONNECTION_CLOSED' });
    await upper.closed;
    await expect(upper.request('again')).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it("rejects request() on a connection whose protocol declares no requests, writing nothing", async () => {
    client = await bootstrap(ClientModule, opts);
    const plain = await client.connect(PlainClient, { host: '127.0.0.1', port: server.address(UpperServer).port });
    await expect(plain.request('x')).rejects.toBeInstanceOf(OptionError);
    expect(plain.connection.state).toBe('open');
  });

  it('a reconnecting client rejects the requests of a dropped connection and serves new ones after it reconnects', async () => {
    @Connect({ host: '127.0.0.1', port: server.address(UpperServer).port, reconnect: { initialDelayMs: 20, jitter: 0 } })
    @Protocol({ codec: lines(), requests: { timeoutMs: WAIT_MS } })
    class Upstream {}
    @Module({ protocols: [Upstream] })
    class UpstreamModule {}
    // The virtual clock holds the reconnect until the test advances it.
    const clock = new VirtualClock();
    client = await bootstrap(UpstreamModule, { ...opts, clock });
    const upstream = client.client(Upstream);
    await upstream.when('connected');
    await expect(upstream.request('one')).resolves.toBe('ONE');
    const lost = upstream.request('DROP').catch((error: Error) => error);
    expect(await lost).toBeInstanceOf(ConnectionClosedError);
    await upstream.when('waiting');
    await expect(upstream.request('meanwhile')).rejects.toMatchObject({ code: 'TORSION_ERR_CONNECTION_CLOSED' });
    clock.advance(upstream.nextDelayMs as number);
    await upstream.when('connected');
    expect(upstream.connections).toBe(2);
    await expect(upstream.request('two')).resolves.toBe('TWO');
  });
});
