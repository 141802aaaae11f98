import { Connection, Listen, Module, OnCommand, OnData, Protocol, lines, type DynamicModule, type ProxyProtocolVersion } from 'torsion';

/** `host:port` as a peer is written in logs and URLs: IPv6 in brackets. */
export function formatPeer(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * Who am I, as the server sees me? A line protocol for checking a deployment behind a load
 * balancer: `WHOAMI` answers `peer <addr>:<port>`, the connection's remote end as torsion
 * reports it (behind HAProxy with `proxyProtocol` on: the real client, not HAProxy); `PID`
 * answers `pid <n>`, the process serving the connection (which worker, with several); any other
 * line is echoed.
 */
@Listen(7070)
@Protocol({ codec: lines({ maxLength: 4096 }) })
export class Whoami {
  constructor(private readonly conn: Connection) {}

  @OnCommand('WHOAMI')
  whoami(): string {
    return `peer ${formatPeer(this.conn.remoteAddress, this.conn.remotePort)}`;
  }

  @OnCommand('PID')
  pid(): string {
    return `pid ${process.pid}`;
  }

  /** Lines that are no command come here: echoed. */
  @OnData()
  echo(line: string): string {
    return line;
  }
}

/** What `ProxyWhoamiModule.configure` accepts. */
export interface ProxyWhoamiOptions {
  /** Read a PROXY protocol header first (HAProxy `send-proxy` is 'v1', `send-proxy-v2` is 'v2'); default off. */
  proxyProtocol?: ProxyProtocolVersion;
  /** Port and interface to listen on; default 7070 on all interfaces. */
  port?: number;
  host?: string;
}

@Module({ protocols: [Whoami] })
export class ProxyWhoamiModule {
  /** The server with its listener configured (the `proxyProtocol` option is checked at bootstrap). */
  static configure(options: ProxyWhoamiOptions = {}): DynamicModule {
    const listen: Record<string, unknown> = {};
    if (options.proxyProtocol !== undefined) listen.proxyProtocol = options.proxyProtocol;
    if (options.port !== undefined) listen.port = options.port;
    if (options.host !== undefined) listen.host = options.host;
    return { module: ProxyWhoamiModule, listen: [[Whoami, listen]] };
  }
}
