import { runExample } from '../run';
import { ProxyWhoamiModule } from './app';

// PROXY_PROTOCOL=v1|v2 reads HAProxy's send-proxy / send-proxy-v2 header (unset: a plain
// listener); WORKERS=<n> serves with n worker processes (unset: this one process; runExample
// reads it and passes bootstrap's `workers` only when it is set).
// Try it: PROXY_PROTOCOL=v2 npm run example -- proxy-whoami, HAProxy in front (docs/production.md,
// "Behind HAProxy"), then `printf 'WHOAMI\nPID\n' | socat - TCP:127.0.0.1:<haproxy port>`.
const proxyProtocol = process.env.PROXY_PROTOCOL === undefined || process.env.PROXY_PROTOCOL === '' ? undefined : (process.env.PROXY_PROTOCOL as 'v1' | 'v2');

void runExample(ProxyWhoamiModule.configure({ proxyProtocol }));
