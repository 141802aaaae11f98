import type { Constructor } from '../types';
import { addListen } from '../metadata';
import type { ListenOptions } from './options';

/**
 * Binds the protocol to an address at bootstrap (Twisted's listenTCP). May be repeated.
 *
 * @example
 * ```ts
 * @Listen(8000)                                         // TCP on every interface
 * @Listen({ transport: 'unix', path: '/run/echo.sock' })
 * @Protocol()
 * class Echo { @OnData() echo(data: Buffer) { return data; } }
 * ```
 */
export function Listen(portOrOptions: number | ListenOptions): ClassDecorator {
  const options = typeof portOrOptions === 'number' ? { port: portOrOptions } : { ...portOrOptions };
  return (target) => {
    addListen(target as unknown as Constructor, options);
  };
}
