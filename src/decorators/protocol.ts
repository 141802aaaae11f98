import { injectable } from 'tsyringe';
import type { Constructor } from '../types';
import { setProtocol } from '../metadata';
import type { ProtocolDeclaration } from './options';

/**
 * Marks a class as a protocol: one instance per connection, built by the container, so its
 * constructor can take `Connection`, `Reactor`, `Logger` and any provided service.
 *
 * Its codec and limits are given in place (`@Protocol({ codec: lines() })`) or, for a protocol a
 * configurable module ships, by a token resolved at bootstrap (`@Protocol({ options: TOKEN })`).
 */
export function Protocol(options: ProtocolDeclaration = {}): ClassDecorator {
  return (target) => {
    setProtocol(target as unknown as Constructor, options);
    // tsyringe needs its own registration of the constructor's parameter types.
    injectable()(target as unknown as new (...args: any[]) => unknown);
  };
}
