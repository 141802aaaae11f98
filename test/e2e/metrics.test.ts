import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { Counter, Registry } from 'prom-client';
import { Connect, Listen, Module, OnData, Protocol, bootstrap, lines, silentLogger, type Application, type HealthReport } from '../../src';
import { makeTestCerts } from '../transport/support/certs';
import { Peer, destroySocket, eventually } from '../support/peer';

// /metrics and /healthz end to end: real listeners (TCP and TLS) on port 0, real peers, the
// metrics listener scraped over HTTP, its text checked by promtool and parsed for exact values.

const certs = makeTestCerts();
afterAll(() => certs.cleanup());

/** "boom" throws (the connection closes, reason error); anything else is echoed. */
@Listen({ port: 0, host: '127.0.0.1' })
@Listen({ port: 0, host: '127.0.0.1', transport: 'tls', tls: { key: certs.server.key, cert: certs.server.cert } })
@Protocol({ codec: lines({ maxLength: 1024 }) })
class Echo {
  @OnData() echo(line: string): string {
    if (line === 'boom') throw new Error('boom');
    return line;
  }
}

@Module({ protocols: [Echo] })
class EchoModule {}

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Parses the Prometheus text format (the subset prom-client writes: no timestamps, escaped label values). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The one sample named `name` whose labels include `labels`; fails when there is not exactly one. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found.length !== 1) throw new Error(`${found.length} samples of ${name}${JSON.stringify(labels)}`);
  return found[0].value;
}

/** Runs `promtool check metrics` on `text` (stdin); resolves with its exit code and output. */
function promtool(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill(), 10_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
    child.stdin.end(text);
  });
}

async function get(app: Application, path: string): Promise<{ status: number; type: string | null; body: string }> {
  const address = app.metricsAddress;
  if (address === undefined) throw new Error('no metrics listener');
  const res = await fetch(`http://${address.host}:${address.port}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

async function scrape(app: Application): Promise<Sample[]> {
  const res = await get(app, '/metrics');
  expect(res.status).toBe(200);
  expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
  const checked = await promtool(res.body);
  if (checked.code !== 0 || checked.output.trim() !== '') throw new Error(`promtool check metrics: exit ${String(checked.code)}\n${checked.output}`);
  return parseExposition(res.body);
}

describe('metrics listener', () => {
  let app: Application | undefined;
  afterEach(async () => {
    await app?.close({ timeoutMs: 1000 });
    app = undefined;
  });

  it('serves counters that match the traffic, in a format promtool accepts', async () => {
    const registry = new Registry();
    const mine = new Counter({ name: 'myapp_jobs_total', help: 'Jobs done.', registers: [registry] });
    app = await bootstrap(EchoModule, { logger: silentLogger, metrics: { port: 0, registry } });
    expect(app.metricsRegistry).toBe(registry);
    mine.inc(3);
    const tcp = `tcp://127.0.0.1:${app.address(Echo, 0).port}`;
    const tlsListener = `tls://127.0.0.1:${app.address(Echo, 1).port}`;

    // 5 frames echoed on one connection that stays open.
    const a = await Peer.connect(app.address(Echo, 0).port);
    a.send('1\n2\n3\n4\n5\n');
    await a.until((p) => p.text === '1\n2\n3\n4\n5\n');
    // One frame that fails the handler: closed, reason error.
    const b = await Peer.connect(app.address(Echo, 0).port);
    b.send('boom\n');
    await b.waitClosed();
    // One frame, then a clean close by the peer.
    const c = await Peer.connect(app.address(Echo, 0).port);
    c.send('bye\n');
    await c.until((p) => p.text === 'bye\n');
    await c.close();
    // A TLS handshake that fails: refused before any protocol sees it.
    const plain = net.connect({ port: app.address(Echo, 1).port, host: '127.0.0.1' });
    plain.on('error', () => undefined);
    plain.write('this is not a TLS ClientHello\r\n\r\n');
    await new Promise<void>((resolve) => plain.once('close', () => resolve()));
    // One echoed frame over TLS.
    const secure = tls.connect({ host: '127.0.0.1', port: app.address(Echo, 1).port, servername: 'localhost', ca: certs.server.cert });
    secure.on('error', () => undefined);
    let secureText = '';
    secure.on('data', (d: Buffer) => (secureText += d.toString()));
    secure.write('over tls\n');
    await eventually(() => secureText === 'over tls\n', 5000, 'the TLS echo');
    await eventually(() => app?.metrics().connections === 2, 5000, 'the closed connections to be gone');

    const s = await scrape(app);
    expect(value(s, 'torsion_frames_received_total', { protocol: 'Echo' })).toBe(8);
    expect(value(s, 'torsion_replies_sent_total', { protocol: 'Echo' })).toBe(7);
    expect(value(s, 'torsion_handler_errors_total', { protocol: 'Echo' })).toBe(1);
    expect(value(s, 'torsion_connections_accepted_total', { protocol: 'Echo', listener: tcp })).toBe(3);
    expect(value(s, 'torsion_connections_open', { protocol: 'Echo', listener: tcp })).toBe(1);
    expect(value(s, 'torsion_connections_closed_total', { protocol: 'Echo', listener: tcp, reason: 'error' })).toBe(1);
    expect(value(s, 'torsion_connections_closed_total', { protocol: 'Echo', listener: tcp, reason: 'done' })).toBe(1);
    expect(value(s, 'torsion_connections_closed_total', { protocol: 'Echo', listener: tcp, reason: 'lost' })).toBe(0);
    expect(value(s, 'torsion_connections_refused_total', { protocol: 'Echo', listener: tlsListener, reason: 'tls_handshake' })).toBe(1);
    expect(value(s, 'torsion_connections_refused_total', { protocol: 'Echo', listener: tcp, reason: 'tls_handshake' })).toBe(0);
    expect(value(s, 'torsion_connections_accepted_total', { protocol: 'Echo', listener: tlsListener })).toBe(1);
    expect(value(s, 'torsion_received_bytes_total', { protocol: 'Echo', listener: tcp })).toBe('1\n2\n3\n4\n5\nboom\nbye\n'.length);
    expect(value(s, 'torsion_sent_bytes_total', { protocol: 'Echo', listener: tcp })).toBe('1\n2\n3\n4\n5\nbye\n'.length);
    expect(value(s, 'torsion_received_bytes_total', { protocol: 'Echo', listener: tlsListener })).toBe('over tls\n'.length);
    expect(value(s, 'torsion_write_blocked_connections', { protocol: 'Echo', listener: tcp })).toBe(0);
    expect(value(s, 'torsion_queued_frames', { protocol: 'Echo', listener: tcp })).toBe(0);
    expect(value(s, 'torsion_listeners')).toBe(2);
    expect(value(s, 'torsion_handler_duration_seconds_count', { protocol: 'Echo' })).toBe(8);
    expect(value(s, 'torsion_handler_duration_seconds_bucket', { protocol: 'Echo', le: '+Inf' })).toBe(8);
    expect(value(s, 'myapp_jobs_total')).toBe(3);

    await a.close();
    await destroySocket(secure);
    const metricsAddress = app.metricsAddress;
    await app.close({ timeoutMs: 1000 });
    app = undefined;
    // Closed by app.close(): nothing listens there any more.
    await expect(fetch(`http://127.0.0.1:${metricsAddress?.port}/metrics`, { signal: AbortSignal.timeout(5000) })).rejects.toThrow();
  });

  it('leaves the histogram out when it is switched off, and answers 404 and 405 elsewhere', async () => {
    app = await bootstrap(EchoModule, { logger: silentLogger, metrics: { port: 0, histogram: false } });
    const s = await scrape(app);
    expect(s.some((x) => x.name.startsWith('torsion_handler_duration_seconds'))).toBe(false);
    expect(app.table(Echo).stats.durations).toBeUndefined();
    expect((await get(app, '/nope')).status).toBe(404);
    const address = app.metricsAddress as { host: string; port: number };
    const post = await fetch(`http://${address.host}:${address.port}/metrics`, { method: 'POST', body: 'x', signal: AbortSignal.timeout(5000) });
    expect(post.status).toBe(405);
    await post.text();
  });

  it('fails bootstrap with a typed error when the metrics port is taken', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      await expect(bootstrap(EchoModule, { logger: silentLogger, metrics: { port } })).rejects.toMatchObject({ code: 'TORSION_ERR_ADDRESS_IN_USE' });
      await expect(bootstrap(EchoModule, { logger: silentLogger, metrics: { port: -1 } })).rejects.toMatchObject({ code: 'TORSION_ERR_INVALID_OPTION' });
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});

describe('/healthz', () => {
  let app: Application | undefined;
  let upstream: net.Server | undefined;
  const sockets = new Set<net.Socket>();
  afterEach(async () => {
    await app?.close({ timeoutMs: 1000 });
    app = undefined;
    for (const s of sockets) s.destroy();
    if (upstream?.listening === true) await new Promise((resolve) => upstream?.close(resolve));
  });

  it('answers 200 while every listener is bound and the required client connected, 503 once it is down', async () => {
    upstream = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => upstream?.listen(0, '127.0.0.1', resolve));
    const port = (upstream.address() as net.AddressInfo).port;

    @Connect({ port, required: true, reconnect: { initialDelayMs: 50, jitter: 0 } })
    @Protocol()
    class Upstream {
      @OnData() data(): void {}
    }
    @Module({ protocols: [Echo, Upstream] })
    class HealthModule {}

    app = await bootstrap(HealthModule, { logger: silentLogger, metrics: { port: 0 } });
    await app.client(Upstream).when('connected');
    const up = await get(app, '/healthz');
    expect(up.status).toBe(200);
    expect(up.type).toMatch(/^application\/json/);
    const body = JSON.parse(up.body) as HealthReport;
    expect(body).toEqual({ status: 'ok', running: true, listeners: { bound: 2, declared: 2 }, clients: [{ protocol: 'Upstream', required: true, state: 'connected' }] });
    expect(value(await scrape(app), 'torsion_client_connected', { protocol: 'Upstream', required: 'true' })).toBe(1);

    // The upstream goes away: the client drops and cannot reconnect.
    await new Promise<void>((resolve) => {
      upstream?.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
    await eventually(() => app?.client(Upstream).state !== 'connected', 5000, 'the client to notice');
    const down = await get(app, '/healthz');
    expect(down.status).toBe(503);
    expect((JSON.parse(down.body) as HealthReport).status).toBe('unavailable');
    expect(value(await scrape(app), 'torsion_client_connected', { protocol: 'Upstream', required: 'true' })).toBe(0);
  });
});
