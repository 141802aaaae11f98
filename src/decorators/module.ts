import type { Constructor, ConcreteConstructor, Token } from '../types';
import { setModule } from '../metadata';

/**
 * How long one provided instance lives:
 * - singleton (default): one per application, shared by every connection;
 * - connection: one per connection (resolved in the connection's own scope; may inject `Connection`);
 * - transient: a new one for every injection.
 */
export type ProviderScope = 'singleton' | 'connection' | 'transient';

export interface ClassProvider<T = unknown> {
  provide: Token<T>;
  useClass: ConcreteConstructor<T>;
  scope?: ProviderScope;
}

export interface ValueProvider<T = unknown> {
  provide: Token<T>;
  useValue: T;
}

export interface FactoryProvider<T = unknown> {
  provide: Token<T>;
  /** Called with the resolved `inject` tokens, in order. */
  useFactory: (...deps: any[]) => T;
  inject?: Token[];
  scope?: ProviderScope;
}

export interface ExistingProvider<T = unknown> {
  provide: Token<T>;
  /** Another token whose instance this one aliases. */
  useExisting: Token<T>;
}

/** A class (provided as itself, singleton) or one of the explicit forms. */
export type Provider<T = unknown> =
  | ConcreteConstructor<T>
  | ClassProvider<T>
  | ValueProvider<T>
  | FactoryProvider<T>
  | ExistingProvider<T>;

export interface ModuleOptions {
  /** Protocol classes this module serves (their `@Listen`s are bound at bootstrap). */
  protocols?: Constructor[];
  /** Services available to this module's protocols and providers. */
  providers?: Provider[];
  /** Modules whose exported providers this module may inject. */
  imports?: Constructor[];
  /** Provider tokens (or imported modules, re-exported whole) visible to importers. */
  exports?: Array<Token | Constructor>;
}

/** A unit of the application graph (NestJS's module). Records metadata only. */
export function Module(options: ModuleOptions = {}): ClassDecorator {
  return (target) => {
    setModule(target as unknown as Constructor, options);
  };
}
