import { runExample } from '../run';
import { PortForwardModule } from './app';

// TARGET_HOST / TARGET_PORT say where to relay (default 127.0.0.1:8000, the echo example).
// Try it: npm run example -- echo & npm run example -- port-forward; then socat - TCP:127.0.0.1:8080
const target = { host: process.env.TARGET_HOST ?? '127.0.0.1', port: Number(process.env.TARGET_PORT ?? 8000) };
void runExample(PortForwardModule.configure({ target }));
