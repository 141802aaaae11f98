import { Listen, Module, OnData, Protocol, lines } from 'torsion';

/**
 * Line echo: every `\n`- (or `\r\n`-) terminated line comes back, followed by `\n`
 * (Twisted's LineReceiver with `lineReceived = sendLine`). The benchmark suite drives it
 * (bench/, workloads `line-echo`, `line-latency`, `connrate`, `idle-mem`), so it stays the
 * smallest possible protocol: one sync handler, no state, no allocation of its own.
 *
 * A line longer than 64 KiB closes the connection (the codec fails fast).
 */
@Listen(7001)
@Protocol({ codec: lines({ maxLength: 64 * 1024 }) })
export class LineEcho {
  @OnData()
  echo(line: string): string {
    return line;
  }
}

@Module({ protocols: [LineEcho] })
export class LineEchoModule {}
