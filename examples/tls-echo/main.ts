import * as fs from 'node:fs';
import { runExample } from '../run';
import { TlsEchoModule } from './app';

// Make a throwaway pair with:
//   openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -keyout key.pem -out cert.pem
// then: TLS_KEY=key.pem TLS_CERT=cert.pem npm run example -- tls-echo
// and talk to it with: openssl s_client -connect 127.0.0.1:8443 -quiet
const { TLS_KEY, TLS_CERT } = process.env;
if (!TLS_KEY || !TLS_CERT) {
  process.stderr.write('tls-echo needs TLS_KEY and TLS_CERT: paths of a PEM key and certificate (see the comment in examples/tls-echo/main.ts)\n');
  process.exit(2);
}
void runExample(TlsEchoModule, { tls: { key: fs.readFileSync(TLS_KEY), cert: fs.readFileSync(TLS_CERT) } });
