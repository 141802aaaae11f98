import { tlsMaterial } from '../throwaway-tls';
import { runExample } from '../run';
import { TlsEchoModule } from './app';

// Uses your key and certificate with: TLS_KEY=key.pem TLS_CERT=cert.pem npm run example -- tls-echo
// Without them it makes a throwaway self-signed certificate for localhost (throwaway-tls.ts).
// Talk to it with: openssl s_client -connect 127.0.0.1:8443 -quiet
const tls = tlsMaterial('tls-echo');
if (tls === undefined) {
  process.stderr.write('tls-echo: no TLS_KEY/TLS_CERT, and no openssl to make a throwaway certificate: set TLS_KEY and TLS_CERT to PEM files\n');
  process.exit(2);
}
void runExample(TlsEchoModule, { tls });
