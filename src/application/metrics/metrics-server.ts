import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as PromClient from 'prom-client';
import type { Logger } from '../../logger';
import type { HealthReport } from './health';

/** Where the metrics listener is bound (`app.metricsAddress`; port 0 resolved). */
export interface MetricsAddress {
  /** The bound IP address (as the socket reports it, e.g. '127.0.0.1' or '::'). */
  readonly host: string;
  /** The bound TCP port (the real one when `port: 0` was asked for). */
  readonly port: number;
}

/**
 * @internal
 * What the metrics listener serves: one process's registry and health, or (on the primary of
 * a cluster) its workers' gathered over IPC. `params` is the query string (`?worker=2`).
 * `undefined` answers 404: the query names nothing there is.
 */
export interface MetricsEndpoints {
  /** The `content-type` of the `/metrics` page (the registry's). */
  readonly contentType: string;
  metrics(params: URLSearchParams): Promise<string | undefined>;
  health(params: URLSearchParams): HealthReport | undefined | Promise<HealthReport | undefined>;
}

/** @internal The endpoints of one process: `registry` and `health`, whatever the query. */
export function singleProcessEndpoints(registry: PromClient.Registry, health: () => HealthReport): MetricsEndpoints {
  return { contentType: registry.contentType, metrics: () => registry.metrics(), health };
}

/** @internal A bound metrics listener. */
export interface MetricsServer {
  readonly address: MetricsAddress;
  /** Stops listening and drops open scrapes (a scraper retries; nothing is lost). */
  close(): Promise<void>;
}

// Scrapers are few and local: a handful of connections, small requests, quick answers. These
// bound what a misbehaving client can hold open.
const MAX_CONNECTIONS = 64;
const REQUEST_TIMEOUT_MS = 10_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
const MAX_HEADERS = 64;

/**
 * Serves `GET /metrics` (the registry, Prometheus text format) and `GET /healthz` (the health
 * report as JSON: 200 when `status` is 'ok', else 503) on a node:http listener of its own; every
 * other path is 404, every other method 405. Resolves once bound; rejects with the bind error.
 */
export function listenMetrics(endpoints: MetricsEndpoints, host: string, port: number, logger: Logger): Promise<MetricsServer> {
  const server = http.createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => {
    const [path, query] = splitUrl(req.url ?? '/');
    if (path !== '/metrics' && path !== '/healthz') return answer(res, 404, 'text/plain; charset=utf-8', 'not found: try /metrics or /healthz\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return answer(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    const params = new URLSearchParams(query);
    if (path === '/healthz') {
      Promise.resolve()
        .then(() => endpoints.health(params))
        .then(
          (report) => {
            if (report === undefined) return answer(res, 404, 'text/plain; charset=utf-8', 'not found: no such worker\n');
            answer(res, report.status === 'ok' ? 200 : 503, 'application/json; charset=utf-8', `${JSON.stringify(report)}\n`);
          },
          (error: unknown) => {
            logger.error({ err: error }, 'reading health failed');
            answer(res, 500, 'text/plain; charset=utf-8', 'reading health failed\n');
          },
        );
      return;
    }
    endpoints.metrics(params).then(
      (text) => (text === undefined ? answer(res, 404, 'text/plain; charset=utf-8', 'not found: no such worker\n') : answer(res, 200, endpoints.contentType, text)),
      (error: unknown) => {
        // A collect callback (torsion's, or a user metric's) failed: say so rather than serve a partial page.
        logger.error({ err: error }, 'collecting metrics failed');
        answer(res, 500, 'text/plain; charset=utf-8', 'collecting metrics failed\n');
      },
    );
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = REQUEST_TIMEOUT_MS;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.maxHeadersCount = MAX_HEADERS;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      // Once bound, an error (EMFILE on accept) must not end the process.
      server.on('error', (error) => logger.error({ err: error }, 'metrics listener error'));
      const bound = server.address() as AddressInfo;
      resolve({ address: { host: bound.address, port: bound.port }, close: () => closeHttp(server) });
    });
  });
}

function splitUrl(url: string): [string, string] {
  const at = url.indexOf('?');
  return at === -1 ? [url, ''] : [url.slice(0, at), url.slice(at + 1)];
}

function answer(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function closeHttp(server: http.Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
