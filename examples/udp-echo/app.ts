import { Listen, Module, OnData, Protocol, datagramRaw, type DatagramAddress } from 'torsion';

/**
 * Twisted's udpecho: every datagram goes back to whoever sent it. One protocol instance serves
 * the socket; `@OnData` gets the datagram and its sender, and the returned value is sent back.
 */
@Listen({ port: 9000, transport: 'udp' })
@Protocol({ codec: datagramRaw({ maxSize: 8192 }) })
export class UdpEcho {
  @OnData()
  echo(datagram: Buffer, _sender: DatagramAddress): Buffer {
    return datagram;
  }
}

@Module({ protocols: [UdpEcho] })
export class UdpEchoModule {}
