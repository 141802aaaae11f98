import * as dgram from 'node:dgram';
import * as tls from 'node:tls';
import { bootstrap, silentLogger, type Application } from 'torsion';
import { Peer } from '../../test/support/peer';
import { makeTestCerts } from '../../test/transport/support/certs';
import { ChatSession } from '../chat/app';
import { Echo } from '../echo/app';
import { RespKv } from '../resp-kv/app';
import { TlsEcho } from '../tls-echo/app';
import { UdpEcho } from '../udp-echo/app';
import { showcaseModule } from './app';

describe('examples/showcase: one application on TCP, TLS, UDP at once', () => {
  const certs = makeTestCerts();
  let app: Application;

  beforeAll(async () => {
    app = await bootstrap(showcaseModule({ tls: true }), {
      logger: silentLogger,
      tls: { key: certs.server.key, cert: certs.server.cert },
      listen: (_cls, opts) => ({ ...opts, port: 0, host: '127.0.0.1' }),
    });
  });
  afterAll(async () => {
    await app.close();
    certs.cleanup();
  });

  it('binds every example listener', () => {
    expect(app.addresses.map((a) => `${a.protocol}/${a.transport}`).sort()).toEqual(['ChatSession/tcp', 'Echo/tcp', 'RespKv/tcp', 'TlsEcho/tls', 'UdpEcho/udp']);
    expect(app.address(ChatSession).port).toBeGreaterThan(0);
  });

  it('serves echo, chat and RESP over TCP', async () => {
    const echo = await Peer.connect(app.address(Echo).port);
    echo.send('seed');
    await echo.until((p) => p.text === 'seed');
    echo.close();

    const chat = await Peer.connect(app.address(ChatSession).port);
    await chat.until((p) => p.text.includes('\n'));
    expect(chat.text.toLowerCase()).toContain('welcome');
    chat.close();

    const redis = await Peer.connect(app.address(RespKv).port);
    redis.send('*1\r\n$4\r\nPING\r\n');
    await redis.until((p) => p.text === '+PONG\r\n');
    redis.close();
  });

  it('echoes over TLS and UDP', async () => {
    const socket = tls.connect({ host: '127.0.0.1', port: app.address(TlsEcho).port, ca: certs.server.cert, servername: 'localhost' });
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString()));
    await new Promise((resolve) => socket.once('secureConnect', resolve));
    socket.write('secret');
    for (let i = 0; i < 200 && !received.endsWith('secret'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(received).toMatch(/^hello over TLSv1\.3\nsecret$/);
    socket.destroy();

    const udp = dgram.createSocket('udp4');
    const reply = new Promise<string>((resolve) => udp.once('message', (m) => resolve(m.toString())));
    udp.send('datagram', app.address(UdpEcho).port, '127.0.0.1');
    expect(await reply).toBe('datagram');
    udp.close();
  });
});
