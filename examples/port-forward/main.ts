import { runExample } from '../run';
import { PortForwardModule, type ForwardTarget } from './app';

// TARGET_HOST / TARGET_PORT say where to relay (default 127.0.0.1:8000, the echo example).
// Try it: npm run example -- echo & npm run example -- port-forward; then socat - TCP:127.0.0.1:8080
// TARGET_PROXY_PROTOCOL=v1|v2 sends the target a PROXY header naming each client (try it with
// PROXY_PROTOCOL=v2 npm run example -- proxy-whoami as the target, TARGET_PORT=7070).
const proxy = process.env.TARGET_PROXY_PROTOCOL;
const proxyProtocol = proxy === 'v1' || proxy === 'v2' ? proxy : undefined;
const target: ForwardTarget = { host: process.env.TARGET_HOST ?? '127.0.0.1', port: Number(process.env.TARGET_PORT ?? 8000), proxyProtocol };
void runExample(PortForwardModule.configure({ target }));
