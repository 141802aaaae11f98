import { Connection, Listen, Module, OnConnect, OnData, Protocol } from 'torsion';

/**
 * Twisted's echoserv_ssl: the echo server over TLS. The key and certificate are not in the code:
 * they come from bootstrap options (main.ts reads the files named by TLS_KEY and TLS_CERT, or
 * makes a throwaway self-signed pair without them), or
 * from a provider token (`tls: { provider: TOKEN }`). TLS 1.2 is the minimum by default.
 */
@Listen({ port: 8443, transport: 'tls' })
@Protocol()
export class TlsEcho {
  constructor(private readonly conn: Connection) {}

  @OnConnect()
  greet(): string {
    return `hello over ${this.conn.tls?.protocol ?? 'TLS'}\n`;
  }

  @OnData()
  echo(data: Buffer): Buffer {
    return data;
  }
}

@Module({ protocols: [TlsEcho] })
export class TlsEchoModule {}
