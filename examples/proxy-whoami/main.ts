import { runExample } from '../run';
import { ProxyWhoamiModule } from './app';

// PROXY_PROTOCOL=v1|v2 reads HAProxy's send-proxy / send-proxy-v2 header (unset: a plain
// listener); WORKERS=<n> serves with n worker processes (unset: this one process).
// Try it: PROXY_PROTOCOL=v2 npm run example -- proxy-whoami, HAProxy in front (README, "Behind
// HAProxy"), then `printf 'WHOAMI\nPID\n' | socat - TCP:127.0.0.1:<haproxy port>`.
const proxyProtocol = process.env.PROXY_PROTOCOL === undefined || process.env.PROXY_PROTOCOL === '' ? undefined : (process.env.PROXY_PROTOCOL as 'v1' | 'v2');
const workers = process.env.WORKERS === undefined || process.env.WORKERS === '' ? undefined : Number(process.env.WORKERS);

// LEAD: bootstrap(M, { workers }) is being built on another branch (h-workers) and main does not
// accept it yet. Once it does, delete this `if` and pass `workers === undefined ? {} : { workers }`
// as runExample's second argument below.
if (workers !== undefined) {
  process.stderr.write('WORKERS is not supported yet: bootstrap has no workers option on this branch\n');
  process.exit(1);
}
void runExample(ProxyWhoamiModule.configure({ proxyProtocol }));
