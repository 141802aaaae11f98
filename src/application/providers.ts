import { Lifecycle, injectable, instanceCachingFactory, instancePerContainerCachingFactory, type DependencyContainer } from 'tsyringe';
import type { ClassProvider, ExistingProvider, FactoryProvider, ValueProvider } from '../decorators/options';
import { BootstrapError, describe } from '../errors';
import { getConstructorParams } from '../metadata';
import { tokenName, type ConcreteConstructor, type Token } from '../types';
import type { ProviderRecord } from './module-graph';

/** Registers every provider in the application's root container. */
export function registerProviders(container: DependencyContainer, providers: Iterable<ProviderRecord>): void {
  for (const record of providers) register(container, record);
}

function register(container: DependencyContainer, record: ProviderRecord): void {
  const { token, scope } = record;
  switch (record.kind) {
    case 'class': {
      const cls = (typeof record.provider === 'function' ? record.provider : (record.provider as ClassProvider).useClass) as ConcreteConstructor;
      // tsyringe needs its own record of the parameter types; @injectable() may have been left off.
      if (getConstructorParams(cls) !== undefined) injectable()(cls);
      const lifecycle = scope === 'singleton' ? Lifecycle.Singleton : scope === 'connection' ? Lifecycle.ContainerScoped : Lifecycle.Transient;
      container.register(token, { useClass: cls }, { lifecycle });
      return;
    }
    case 'value':
      container.register(token, { useValue: (record.provider as ValueProvider).useValue });
      return;
    case 'factory': {
      const { useFactory, inject = [] } = record.provider as FactoryProvider;
      const build = (c: DependencyContainer): unknown => useFactory(...inject.map((t) => c.resolve(t as Token)));
      const factory = scope === 'singleton' ? instanceCachingFactory(build) : scope === 'connection' ? instancePerContainerCachingFactory(build) : build;
      container.register(token, { useFactory: factory });
      return;
    }
    case 'existing':
      container.register(token, { useToken: (record.provider as ExistingProvider).useExisting });
      return;
  }
}

/** Builds every singleton now, as NestJS does, so a failing constructor stops bootstrap. */
export function instantiateSingletons(container: DependencyContainer, providers: Iterable<ProviderRecord>): void {
  for (const record of providers) {
    if (record.scope !== 'singleton' || record.kind === 'value') continue;
    try {
      container.resolve(record.token);
    } catch (error) {
      const name = tokenName(record.token);
      throw new BootstrapError('TORSION_ERR_PROVIDER_FAILED', `constructing ${name} (provided by ${record.module.name}) failed: ${describe(error)}`, { target: name, cause: error });
    }
  }
}
