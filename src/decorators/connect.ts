import { setConnect } from '../metadata';
import type { Constructor } from '../types';
import type { ConnectOptions } from './options';

/**
 * Declares an outbound client (Twisted's connectTCP with a ReconnectingClientFactory): a protocol
 * class carrying `@Connect` and listed in a module's protocols is connected at bootstrap and
 * reconnected per its policy until `app.close()`. Each connection gets a fresh protocol instance
 * (its `@OnConnect`/`@OnClose` run per connection); `app.client(Proto)` shows the state.
 *
 * @example
 * ```ts
 * @Connect({ host: '127.0.0.1', port: 6379, reconnect: { initialDelayMs: 100, maxDelayMs: 5000 } })
 * @Protocol({ codec: resp() })
 * class Upstream { @OnConnect() hello() { return ['PING']; } }
 * ```
 */
export function Connect(options: ConnectOptions): ClassDecorator {
  const recorded = { ...options };
  return (target) => {
    setConnect(target as unknown as Constructor, recorded);
  };
}
