import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runExample } from '../run';
import { showcaseModule } from './app';

/**
 * TLS material: TLS_KEY and TLS_CERT name PEM files; without them a throwaway self-signed
 * certificate for localhost is made with openssl (for trying things out, never for real use);
 * without openssl the TLS listener is left out.
 */
function tlsMaterial(): { key: Buffer; cert: Buffer } | undefined {
  const { TLS_KEY, TLS_CERT } = process.env;
  if (TLS_KEY && TLS_CERT) return { key: fs.readFileSync(TLS_KEY), cert: fs.readFileSync(TLS_CERT) };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'torsion-showcase-'));
  try {
    const keyPath = path.join(dir, 'key.pem');
    const certPath = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', keyPath, '-out', certPath], { stdio: 'ignore' });
    process.stderr.write('showcase: TLS echo uses a throwaway self-signed certificate (set TLS_KEY and TLS_CERT to use yours)\n');
    return { key: fs.readFileSync(keyPath), cert: fs.readFileSync(certPath) };
  } catch {
    process.stderr.write('showcase: no TLS_KEY/TLS_CERT and no openssl: TLS echo is left out\n');
    return undefined;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const tls = tlsMaterial();
void runExample(showcaseModule({ tls: tls !== undefined }), { tls });
