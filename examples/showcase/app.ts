import { Module } from 'torsion';
import { ChatModule } from '../chat/app';
import { EchoModule } from '../echo/app';
import { RespKvModule } from '../resp-kv/app';
import { TlsEchoModule } from '../tls-echo/app';
import { UdpEchoModule } from '../udp-echo/app';

/**
 * One reactor, many protocols (DESIGN principle 7): the seed's echo on TCP 8000, chat on 8001,
 * the Redis-compatible store on 6380, UDP echo on 9000 and, given key material, TLS echo on
 * 8443 — each example's module imported whole, nothing rewired.
 */
export function showcaseModule(options: { tls: boolean }): new () => unknown {
  class ShowcaseModule {}
  const imports = [EchoModule, ChatModule, RespKvModule, UdpEchoModule, ...(options.tls ? [TlsEchoModule] : [])];
  Module({ imports })(ShowcaseModule);
  return ShowcaseModule;
}
