import { bootstrap, silentLogger, type Application } from 'torsion';
import { runPeer } from '../../test/transport/support/process-peer';
import { UdpEcho, UdpEchoModule } from './app';

describe('examples/udp-echo', () => {
  let app: Application;
  beforeAll(async () => {
    app = await bootstrap(UdpEchoModule, { listen: [[UdpEcho, { port: 0, host: '127.0.0.1' }]], logger: silentLogger });
  });
  afterAll(() => app.close());

  it('sends every datagram back to socat', async () => {
    const result = await runPeer('socat', ['-T2', '-', `UDP:127.0.0.1:${app.address(UdpEcho).port}`], { input: 'marco\n', until: (out) => out.includes('marco') });
    expect(result.stdout).toBe('marco\n');
  });
});
