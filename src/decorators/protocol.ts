import { injectable } from 'tsyringe';
import type { Constructor } from '../types';
import { setProtocol } from '../metadata';
import type { ProtocolOptions } from './options';

/**
 * Marks a class as a protocol: one instance per connection, built by the container, so its
 * constructor can take `Connection`, `Reactor`, `Logger` and any provided service.
 */
export function Protocol(options: ProtocolOptions = {}): ClassDecorator {
  return (target) => {
    setProtocol(target as unknown as Constructor, options);
    // tsyringe needs its own registration of the constructor's parameter types.
    injectable()(target as unknown as new (...args: any[]) => unknown);
  };
}
