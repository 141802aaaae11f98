import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A key pair generated for one test run; never committed. */
export interface TestCert {
  readonly keyPath: string;
  readonly certPath: string;
  readonly key: Buffer;
  readonly cert: Buffer;
}

/**
 * Self-signed certificates made with the openssl CLI in a fresh temp dir: `server` for
 * CN=localhost (SAN localhost, 127.0.0.1, ::1), `client` for CN=client. Both are their own CA,
 * so a peer trusts one by passing its cert as `ca`. `cleanup()` deletes the dir.
 */
export function makeTestCerts(): { dir: string; server: TestCert; client: TestCert; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torsion-tls-'));
  const make = (name: string, cn: string, san: string): TestCert => {
    const keyPath = path.join(dir, `${name}.key`);
    const certPath = path.join(dir, `${name}.crt`);
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${san}`, '-keyout', keyPath, '-out', certPath],
      { stdio: 'pipe' },
    );
    return { keyPath, certPath, key: fs.readFileSync(keyPath), cert: fs.readFileSync(certPath) };
  };
  const server = make('server', 'localhost', 'DNS:localhost,IP:127.0.0.1,IP:::1');
  const client = make('client', 'client', 'DNS:client');
  return { dir, server, client, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
