import { tlsMaterial } from '../throwaway-tls';
import { runExample } from '../run';
import { showcaseModule } from './app';

// TLS echo uses the key and certificate named by TLS_KEY and TLS_CERT, else a throwaway
// self-signed one (throwaway-tls.ts); without openssl the TLS listener is left out.
const tls = tlsMaterial('showcase');
if (tls === undefined) process.stderr.write('showcase: no TLS_KEY/TLS_CERT and no openssl: TLS echo is left out\n');
void runExample(showcaseModule({ tls: tls !== undefined }), { tls });
