import type { Binder } from './binder';
import { bindTcp } from './tcp';
import { bindTls } from './tls';
import { bindUdp } from './udp';
import { bindUnix } from './unix';

/** Transport name -> binder: the transports `@Listen` may ask for. */
export const binders: ReadonlyMap<string, Binder> = new Map<string, Binder>([
  ['tcp', bindTcp],
  ['tls', bindTls],
  ['unix', bindUnix],
  ['udp', bindUdp],
]);
