import type { Constructor } from '../types';
import { setModule } from '../metadata';
import type { ModuleOptions } from './options';

/**
 * A unit of the application graph (NestJS's module). Records metadata only.
 *
 * @example
 * ```ts
 * @Module({ imports: [StoreModule], providers: [Greeting], protocols: [Echo, Chat] })
 * class AppModule {}
 * ```
 */
export function Module(options: ModuleOptions = {}): ClassDecorator {
  return (target) => {
    setModule(target as unknown as Constructor, options);
  };
}
