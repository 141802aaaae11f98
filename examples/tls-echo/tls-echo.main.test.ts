import * as tls from 'node:tls';
import { listeningPort, spawnExample, within } from '../test-support/example-process';

/**
 * Regression: main.ts refused to start without TLS_KEY and TLS_CERT, while the showcase made a
 * throwaway certificate; both now share throwaway-tls.ts.
 */
describe('examples/tls-echo main (own process)', () => {
  it('without TLS_KEY/TLS_CERT: a throwaway self-signed certificate for localhost, said on stderr; it greets and echoes', async () => {
    const server = spawnExample('tls-echo', { PORT: '0', HOST: '127.0.0.1', TLS_KEY: '', TLS_CERT: '' });
    let socket: tls.TLSSocket | undefined;
    try {
      const port = listeningPort(await server.waitForStdout((out) => out.includes('listening')));
      expect(server.stderr()).toBe('tls-echo: using a throwaway self-signed certificate for localhost (set TLS_KEY and TLS_CERT to use yours)\n');
      // Self-signed: trusted here by checking what it is, not by a CA.
      const client = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false });
      socket = client;
      let received = '';
      const arrived = (text: string): Promise<void> =>
        within(
          new Promise<void>((resolve, reject) => {
            const check = (): void => {
              if (!received.includes(text)) return;
              client.off('data', onData);
              resolve();
            };
            const onData = (chunk: Buffer): void => {
              received += chunk.toString('utf8');
              check();
            };
            client.on('data', onData).once('error', reject);
            check();
          }),
          10_000,
          `tls-echo to send ${JSON.stringify(text)}`,
        );
      await arrived('\n');
      expect(received).toMatch(/^hello over TLSv1\.[23]\n$/);
      const cert = client.getPeerCertificate();
      expect(cert.subject.CN).toBe('localhost');
      expect(cert.issuer.CN).toBe('localhost');
      client.write('secret\n');
      await arrived('secret\n');
      expect(received.endsWith('\nsecret\n')).toBe(true);
    } finally {
      socket?.destroy();
      await server.stop();
    }
  });
});
