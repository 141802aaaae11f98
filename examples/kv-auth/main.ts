import { Registry } from 'prom-client';
import { runExample } from '../run';
import { KvAuthModule } from './app';

// KV_PASSWORD sets the password ('secret' for the demo); METRICS_PORT the /metrics port (default 9464, 0: any).
const registry = new Registry();
const metricsPort = process.env.METRICS_PORT === undefined ? undefined : Number(process.env.METRICS_PORT);
void runExample(KvAuthModule.configure({ password: process.env.KV_PASSWORD ?? 'secret', registry }), { metrics: { registry, port: metricsPort } }).then((app) => {
  const metrics = app.metricsAddress;
  if (metrics !== undefined) process.stdout.write(`metrics http://${metrics.host}:${metrics.port}/metrics\n`);
});
