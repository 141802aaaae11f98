import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A PEM key and certificate, as `bootstrap`'s `tls` option takes them. */
export interface TlsMaterial {
  readonly key: Buffer;
  readonly cert: Buffer;
}

/**
 * TLS material for an example: TLS_KEY and TLS_CERT name PEM files; without them a throwaway
 * self-signed certificate for localhost (valid one day) is made with openssl in a temp dir,
 * deleted at once (for trying things out, never for real use), and a line on stderr says so.
 * Undefined when neither is possible (no openssl): the caller decides what to do without TLS.
 */
export function tlsMaterial(example: string): TlsMaterial | undefined {
  const { TLS_KEY, TLS_CERT } = process.env;
  if (TLS_KEY && TLS_CERT) return { key: fs.readFileSync(TLS_KEY), cert: fs.readFileSync(TLS_CERT) };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `torsion-${example}-`));
  try {
    const keyPath = path.join(dir, 'key.pem');
    const certPath = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', keyPath, '-out', certPath], { stdio: 'ignore' });
    process.stderr.write(`${example}: using a throwaway self-signed certificate for localhost (set TLS_KEY and TLS_CERT to use yours)\n`);
    return { key: fs.readFileSync(keyPath), cert: fs.readFileSync(certPath) };
  } catch {
    return undefined;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
