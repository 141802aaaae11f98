import { runExample } from '../run';
import { ProxyWhoamiModule } from './app';

// PROXY_PROTOCOL=v1|v2 reads HAProxy's send-proxy / send-proxy-v2 header (unset: a plain
// listener); WORKERS=<n> serves with n worker processes (unset: this one process).
// Try it: PROXY_PROTOCOL=v2 npm run example -- proxy-whoami, HAProxy in front (README, "Behind
// HAProxy"), then `printf 'WHOAMI\nPID\n' | socat - TCP:127.0.0.1:<haproxy port>`.
const proxyProtocol = process.env.PROXY_PROTOCOL === undefined || process.env.PROXY_PROTOCOL === '' ? undefined : (process.env.PROXY_PROTOCOL as 'v1' | 'v2');

// LEAD: WORKERS needs bootstrap({ workers }), which main does not have yet. The h-workers branch
// makes examples/run.ts read WORKERS itself (and pass `workers` only when it is set); once it is
// merged, delete this `if` block and nothing else: WORKERS=<n> then serves with n workers.
if (process.env.WORKERS !== undefined && process.env.WORKERS !== '') {
  process.stderr.write(`WORKERS=${process.env.WORKERS} is not supported yet: bootstrap has no workers option on this branch\n`);
  process.exit(1);
}
void runExample(ProxyWhoamiModule.configure({ proxyProtocol }));
