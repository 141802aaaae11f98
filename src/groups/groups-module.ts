import { Module } from '../decorators/module';
import type { DynamicModule } from '../decorators/options';
import { GROUPS_OPTIONS, Groups, type GroupsOptions } from './groups';

/**
 * Provides and exports `Groups`: import it (local groups) or `GroupsModule.configure({ adapter })`
 * (groups across processes). A configurable module of yours that must choose the adapter in its
 * own `configure` lists `Groups` and a `GROUPS_OPTIONS` provider among its providers instead.
 */
@Module({
  providers: [Groups, { provide: GROUPS_OPTIONS, useValue: {} }],
  exports: [Groups],
})
export class GroupsModule {
  /**
   * `Groups` with `options`. The adapter is made per application (`adapter` may be a function
   * returning one), so one configured module serves several applications, each with its own
   * connections.
   */
  static configure(options: Omit<GroupsOptions, 'adapter'> & { adapter?: GroupsOptions['adapter'] | (() => GroupsOptions['adapter']) }): DynamicModule {
    const { adapter, ...rest } = options;
    return {
      module: GroupsModule,
      providers: [{ provide: GROUPS_OPTIONS, useFactory: (): GroupsOptions => ({ ...rest, adapter: typeof adapter === 'function' ? adapter() : adapter }) }],
    };
  }
}
