import { bootstrap, silentLogger, type Application } from 'torsion';
import { makeTestCerts } from '../../test/transport/support/certs';
import { runPeer } from '../../test/transport/support/process-peer';
import { TlsEcho, TlsEchoModule } from './app';

describe('examples/tls-echo', () => {
  const certs = makeTestCerts();
  let app: Application;
  beforeAll(async () => {
    app = await bootstrap(TlsEchoModule, {
      listen: [[TlsEcho, { port: 0, host: '127.0.0.1' }]],
      tls: { key: certs.server.key, cert: certs.server.cert },
      logger: silentLogger,
    });
  });
  afterAll(async () => {
    await app.close();
    certs.cleanup();
  });

  it.each([['-tls1_2', 'TLSv1.2'], ['-tls1_3', 'TLSv1.3']])('greets and echoes to openssl s_client %s', async (flag, version) => {
    const args = ['s_client', '-connect', `127.0.0.1:${app.address(TlsEcho).port}`, '-CAfile', certs.server.certPath, '-servername', 'localhost', '-quiet', flag];
    const result = await runPeer('openssl', args, { input: 'secret\n', until: (out) => out.includes('secret') });
    expect(result.stdout).toBe(`hello over ${version}\nsecret\n`);
  });
});
