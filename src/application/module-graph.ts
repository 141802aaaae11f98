import type { DynamicModule, ModuleImport, ModuleOptions, Provider, ProviderScope } from '../decorators/options';
import { BootstrapError } from '../errors';
import { getModule, getProtocol, markListed } from '../metadata';
import { tokenName, type Constructor, type Token } from '../types';
import { listenRewrite, type ListenRewrite } from './listen-plan';

/** Which `Provider` form a record came from: a class (`useClass`, or the class itself), `useValue`, `useFactory` or `useExisting`. */
export type ProviderKind = 'class' | 'value' | 'factory' | 'existing';

/** One provider, normalised from any of the `Provider` forms. */
export interface ProviderRecord {
  readonly token: Token;
  readonly kind: ProviderKind;
  readonly scope: ProviderScope;
  readonly provider: Provider;
  readonly module: ModuleNode;
}

/**
 * One module of the graph (a `@Module` class, configured or not; each class appears once), with what its protocols and providers may see.
 */
export interface ModuleNode {
  readonly cls: Constructor;
  readonly name: string;
  /** The `@Module` options, merged with the configured module's when it was given one. */
  readonly options: ModuleOptions;
  readonly imports: ModuleNode[];
  readonly providers: Map<Token, ProviderRecord>;
  /** Tokens this module's protocols and providers may inject (own + imported exports). */
  readonly visible: Set<Token>;
  /** `DynamicModule.listen`: overrides for this module's protocols' listeners. */
  readonly listen: ListenRewrite | undefined;
}

/**
 * The validated module graph of one application: every module reached from the root, every protocol with the module that lists it, and every provider by its token.
 */
export interface AppGraph {
  readonly root: ModuleNode;
  readonly modules: ModuleNode[];
  readonly protocols: Array<{ readonly cls: Constructor; readonly module: ModuleNode }>;
  readonly providers: Map<Token, ProviderRecord>;
}

/** True for a configured module (`{ module: SomeModule, ... }`), as opposed to a module class. */
export function isDynamicModule(value: unknown): value is DynamicModule {
  return value !== null && typeof value === 'object' && 'module' in value;
}

/** Walks `imports` from the root module, normalising providers and computing visibility. */
export function buildGraph(rootModule: ModuleImport): AppGraph {
  const nodes = new Map<Constructor, ModuleNode>();
  // What each module class was given as (the class, or one configured module), and by whom.
  const sources = new Map<Constructor, { readonly entry: unknown; readonly by: string }>();
  const providers = new Map<Token, ProviderRecord>();
  const protocols: AppGraph['protocols'] = [];
  const protocolOwner = new Map<Constructor, ModuleNode>();

  const visit = (entry: unknown, importedBy: string | undefined): ModuleNode => {
    const dynamic = isDynamicModule(entry) ? entry : undefined;
    const cls = dynamic === undefined ? entry : dynamic.module;
    const staticOptions = getModule(cls);
    const name = typeof cls === 'function' ? cls.name : String(cls);
    const where = importedBy === undefined ? 'bootstrap() was given' : `${importedBy} imports`;
    if (staticOptions === undefined) {
      const what = dynamic === undefined ? name : `a configured module ({ module: ${name} })`;
      throw new BootstrapError('TORSION_ERR_NOT_A_MODULE', `${where} ${what}, but ${name} has no @Module() decorator: add @Module({ ... }) to ${name}`, { target: name });
    }
    const by = importedBy ?? 'bootstrap()';
    const seen = sources.get(cls as Constructor);
    if (seen !== undefined) {
      if (seen.entry !== entry) throw configuredTwice(name, seen.by, by);
      return nodes.get(cls as Constructor) as ModuleNode;
    }
    sources.set(cls as Constructor, { entry, by });
    const options = dynamic === undefined ? staticOptions : mergeOptions(staticOptions, dynamic, name);
    const listen = dynamic?.listen === undefined ? undefined : checkedListen(dynamic, name, options);
    const node: ModuleNode = { cls: cls as Constructor, name, options, imports: [], providers: new Map(), visible: new Set(), listen };
    nodes.set(node.cls, node);
    for (const provider of options.providers ?? []) {
      const record = normaliseProvider(provider, node);
      const clash = providers.get(record.token);
      if (clash !== undefined) {
        throw new BootstrapError('TORSION_ERR_DUPLICATE_PROVIDER', `${tokenName(record.token)} is provided by both ${clash.module.name} and ${name}: provide it in one module and export it from there`, { target: tokenName(record.token) });
      }
      providers.set(record.token, record);
      node.providers.set(record.token, record);
    }
    for (const protocol of options.protocols ?? []) {
      if (typeof protocol !== 'function') {
        throw new BootstrapError('TORSION_ERR_NOT_A_PROTOCOL', `${name}.protocols contains ${String(protocol)}, which is not a class`, { target: name });
      }
      const owner = protocolOwner.get(protocol);
      if (owner !== undefined) {
        throw new BootstrapError('TORSION_ERR_DUPLICATE_PROTOCOL', `${protocol.name} is listed in the protocols of both ${owner.name} and ${name}: list it in one module`, { target: protocol.name });
      }
      protocolOwner.set(protocol, node);
      protocols.push({ cls: protocol, module: node });
    }
    // A configured module's protocols are listed as surely as a @Module's (see checkUnlisted).
    for (const protocol of dynamic?.protocols ?? []) markListed(protocol);
    for (const imported of options.imports ?? []) node.imports.push(visit(imported, name));
    return node;
  };

  const root = visit(rootModule, undefined);
  const modules = [...nodes.values()];
  const exported = new Map<ModuleNode, Set<Token>>();
  for (const node of modules) exportsOf(node, exported, new Set());
  for (const node of modules) {
    for (const token of node.providers.keys()) node.visible.add(token);
    for (const imported of node.imports) for (const token of exportsOf(imported, exported, new Set())) node.visible.add(token);
  }
  return { root, modules, protocols, providers };
}

/**
 * Two configurations of one module in one application would serve its protocols twice (or
 * provide its tokens twice) with no way to tell which importer meant which.
 */
function configuredTwice(name: string, first: string, second: string): BootstrapError {
  return new BootstrapError(
    'TORSION_ERR_MODULE_CONFIGURED_TWICE',
    `${name} is given twice with different configurations (by ${first} and by ${second}): a module appears once per application; configure it once, keep the result in a const and import that same object wherever ${name} is needed`,
    { target: name },
  );
}

/** A configured module's options added to its `@Module`'s; its providers replace static ones of the same token. */
function mergeOptions(base: ModuleOptions, dynamic: DynamicModule, name: string): ModuleOptions {
  for (const key of ['protocols', 'providers', 'imports', 'exports'] as const) {
    if (dynamic[key] !== undefined && !Array.isArray(dynamic[key])) {
      throw new BootstrapError('TORSION_ERR_BAD_MODULE', `the configured ${name} has ${key} ${String(dynamic[key])}: it must be an array`, { target: name });
    }
  }
  const replaced = new Set((dynamic.providers ?? []).map(providedToken));
  return {
    protocols: [...(base.protocols ?? []), ...(dynamic.protocols ?? [])],
    providers: [...(base.providers ?? []).filter((p) => !replaced.has(providedToken(p))), ...(dynamic.providers ?? [])],
    imports: [...(base.imports ?? []), ...(dynamic.imports ?? [])],
    exports: [...(base.exports ?? []), ...(dynamic.exports ?? [])],
  };
}

/** The token a provider entry provides (undefined for a malformed one, which normaliseProvider reports). */
function providedToken(provider: Provider): unknown {
  if (typeof provider === 'function') return provider;
  return provider !== null && typeof provider === 'object' && 'provide' in provider ? provider.provide : undefined;
}

/** `DynamicModule.listen` as a function; a pair naming a class the module does not serve is a mistake, not a no-op. */
function checkedListen(dynamic: DynamicModule, name: string, options: ModuleOptions): ListenRewrite {
  const listen = dynamic.listen as unknown;
  if (typeof listen === 'function') return listen as ListenRewrite;
  if (listen === null || typeof listen !== 'object' || typeof (listen as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new BootstrapError('TORSION_ERR_BAD_MODULE', `the configured ${name} has listen ${String(listen)}: use [[Protocol, { port }], ...] or a function (protocol, options, index) => options`, { target: name });
  }
  const pairs = [...(listen as Iterable<readonly [Constructor, object]>)];
  for (const pair of pairs) {
    const protocol = Array.isArray(pair) ? (pair[0] as unknown) : undefined;
    if (typeof protocol !== 'function' || !(options.protocols ?? []).includes(protocol as Constructor)) {
      const what = typeof protocol === 'function' ? protocol.name : String(protocol);
      throw new BootstrapError('TORSION_ERR_BAD_MODULE', `the configured ${name} overrides the listener of ${what}, which is not among ${name}'s protocols: override only the listeners of its own protocols`, { target: name });
    }
  }
  return listenRewrite(pairs as Array<readonly [Constructor, object]>);
}

/** A module's exported tokens: its own exported providers plus re-exported modules' exports. */
function exportsOf(node: ModuleNode, memo: Map<ModuleNode, Set<Token>>, visiting: Set<ModuleNode>): Set<Token> {
  const known = memo.get(node);
  if (known !== undefined) return known;
  const out = new Set<Token>();
  if (visiting.has(node)) return out; // import cycles re-exporting each other add nothing new
  visiting.add(node);
  for (const entry of node.options.exports ?? []) {
    const cls = isDynamicModule(entry) ? entry.module : entry;
    const reexported = node.imports.find((m) => m.cls === cls);
    if (reexported !== undefined) {
      for (const token of exportsOf(reexported, memo, visiting)) out.add(token);
    } else if (node.providers.has(entry as Token)) {
      out.add(entry as Token);
    } else {
      const what = tokenName(cls);
      throw new BootstrapError('TORSION_ERR_BAD_EXPORT', `${node.name} exports ${what}, which it neither provides nor imports: add ${what} to its providers (or imports), or remove the export`, { target: node.name });
    }
  }
  memo.set(node, out);
  return out;
}

/**
 * One `Provider` entry of `module` as a `ProviderRecord` (scope defaulted to 'singleton'). Throws
 * `BootstrapError` for a protocol listed as a provider (`TORSION_ERR_PROTOCOL_AS_PROVIDER`) and for
 * a malformed entry: not an object with `provide`, not exactly one `use*` form, an unknown scope, a
 * `useClass`/`useFactory` that is not a function (`TORSION_ERR_BAD_PROVIDER`).
 */
export function normaliseProvider(provider: Provider, module: ModuleNode): ProviderRecord {
  if (typeof provider === 'function') {
    if (getProtocol(provider) !== undefined) {
      throw new BootstrapError('TORSION_ERR_PROTOCOL_AS_PROVIDER', `${provider.name} is a @Protocol but is listed in the providers of ${module.name}: move it to protocols`, { target: provider.name });
    }
    return { token: provider, kind: 'class', scope: 'singleton', provider, module };
  }
  if (provider === null || typeof provider !== 'object' || !('provide' in provider)) {
    throw new BootstrapError('TORSION_ERR_BAD_PROVIDER', `${module.name}.providers contains ${String(provider)}: use a class or { provide, useClass | useValue | useFactory | useExisting }`, { target: module.name });
  }
  const forms = (['useClass', 'useValue', 'useFactory', 'useExisting'] as const).filter((k) => k in provider);
  if (forms.length !== 1) {
    throw new BootstrapError('TORSION_ERR_BAD_PROVIDER', `the provider of ${tokenName(provider.provide)} in ${module.name} must have exactly one of useClass, useValue, useFactory, useExisting (has ${forms.join(', ') || 'none'})`, { target: module.name });
  }
  const scope = ('scope' in provider ? provider.scope : undefined) ?? 'singleton';
  if (!['singleton', 'connection', 'transient'].includes(scope)) {
    throw new BootstrapError('TORSION_ERR_BAD_PROVIDER', `the provider of ${tokenName(provider.provide)} in ${module.name} has scope '${String(scope)}': use 'singleton', 'connection' or 'transient'`, { target: module.name });
  }
  const kind: ProviderKind = forms[0] === 'useClass' ? 'class' : forms[0] === 'useValue' ? 'value' : forms[0] === 'useFactory' ? 'factory' : 'existing';
  if (kind === 'class' && typeof (provider as { useClass: unknown }).useClass !== 'function') {
    throw new BootstrapError('TORSION_ERR_BAD_PROVIDER', `useClass for ${tokenName(provider.provide)} in ${module.name} is not a class`, { target: module.name });
  }
  if (kind === 'factory' && typeof (provider as { useFactory: unknown }).useFactory !== 'function') {
    throw new BootstrapError('TORSION_ERR_BAD_PROVIDER', `useFactory for ${tokenName(provider.provide)} in ${module.name} is not a function`, { target: module.name });
  }
  return { token: provider.provide, kind, scope, provider, module };
}
