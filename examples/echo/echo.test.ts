import { bootstrap, silentLogger, type Application } from 'torsion';
import { Peer } from '../../test/support/peer';
import { Echo, EchoModule } from './app';

describe('examples/echo', () => {
  let app: Application;
  beforeAll(async () => {
    app = await bootstrap(EchoModule, { listen: [[Echo, { port: 0, host: '127.0.0.1' }]], logger: silentLogger });
  });
  afterAll(async () => {
    await app.close();
  });

  it('writes back every byte it receives, in order', async () => {
    const peer = await Peer.connect(app.address(Echo).port);
    const payload = Buffer.alloc(256 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
    peer.send(payload);
    await peer.receive(payload.length);
    expect(peer.received.equals(payload)).toBe(true);
    await peer.close();
  });
});
