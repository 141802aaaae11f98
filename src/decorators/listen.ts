import type { Constructor } from '../types';
import { addListen } from '../metadata';
import type { ListenOptions } from './options';

/** Binds the protocol to an address at bootstrap (Twisted's listenTCP). May be repeated. */
export function Listen(portOrOptions: number | ListenOptions): ClassDecorator {
  const options = typeof portOrOptions === 'number' ? { port: portOrOptions } : { ...portOrOptions };
  return (target) => {
    addListen(target as unknown as Constructor, options);
  };
}
