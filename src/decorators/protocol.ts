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
 *
 * @example
 * ```ts
 * @Listen(6000)
 * @Protocol({ codec: lines({ maxLength: 4096 }), idle: { readMs: 60_000 } })
 * class Hello {
 *   constructor(private readonly conn: Connection) {}
 *   @OnConnect() welcome() { return `hello, ${this.conn.remoteAddress}`; }
 *   @OnData() line(text: string) { return text.toUpperCase(); }
 * }
 * ```
 */
export function Protocol(options: ProtocolDeclaration = {}): ClassDecorator {
  return (target) => {
    setProtocol(target as unknown as Constructor, options);
    // tsyringe needs its own registration of the constructor's parameter types.
    injectable()(target as unknown as new (...args: any[]) => unknown);
  };
}
