import { Listen, Module, OnData, Protocol } from 'torsion';

/**
 * The seed's Twisted echo server:
 *
 *   class Echo(protocol.Protocol):
 *       def dataReceived(self, data):
 *           self.transport.write(data)
 *   factory = protocol.ServerFactory(); factory.protocol = Echo
 *   reactor.listenTCP(8000, factory); reactor.run()
 *
 * In torsion the factory and listenTCP become metadata, and the returned value is written.
 */
@Listen(8000)
@Protocol()
export class Echo {
  @OnData()
  echo(data: Buffer): Buffer {
    return data;
  }
}

@Module({ protocols: [Echo] })
export class EchoModule {}
