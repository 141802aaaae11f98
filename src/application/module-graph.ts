import type { ModuleOptions, Provider, ProviderScope } from '../decorators/options';
import { BootstrapError } from '../errors';
import { getModule, getProtocol } from '../metadata';
import { tokenName, type Constructor, type Token } from '../types';

export type ProviderKind = 'class' | 'value' | 'factory' | 'existing';

/** One provider, normalised from any of the `Provider` forms. */
export interface ProviderRecord {
  readonly token: Token;
  readonly kind: ProviderKind;
  readonly scope: ProviderScope;
  readonly provider: Provider;
  readonly module: ModuleNode;
}

export interface ModuleNode {
  readonly cls: Constructor;
  readonly name: string;
  readonly options: ModuleOptions;
  readonly imports: ModuleNode[];
  readonly providers: Map<Token, ProviderRecord>;
  /** Tokens this module's protocols and providers may inject (own + imported exports). */
  readonly visible: Set<Token>;
}

export interface AppGraph {
  readonly root: ModuleNode;
  readonly modules: ModuleNode[];
  readonly protocols: Array<{ readonly cls: Constructor; readonly module: ModuleNode }>;
  readonly providers: Map<Token, ProviderRecord>;
}

/** Walks `imports` from the root module, normalising providers and computing visibility. */
export function buildGraph(rootModule: Constructor): AppGraph {
  const nodes = new Map<Constructor, ModuleNode>();
  const providers = new Map<Token, ProviderRecord>();
  const protocols: AppGraph['protocols'] = [];
  const protocolOwner = new Map<Constructor, ModuleNode>();

  const visit = (cls: unknown, importedBy: string | undefined): ModuleNode => {
    const options = getModule(cls);
    const name = typeof cls === 'function' ? cls.name : String(cls);
    if (options === undefined) {
      const where = importedBy === undefined ? 'bootstrap() was given' : `${importedBy} imports`;
      throw new BootstrapError('TORSION_ERR_NOT_A_MODULE', `${where} ${name}, which has no @Module() decorator: add @Module({ ... }) to ${name}`, { target: name });
    }
    const existing = nodes.get(cls as Constructor);
    if (existing !== undefined) return existing;
    const node: ModuleNode = { cls: cls as Constructor, name, options, imports: [], providers: new Map(), visible: new Set() };
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

/** A module's exported tokens: its own exported providers plus re-exported modules' exports. */
function exportsOf(node: ModuleNode, memo: Map<ModuleNode, Set<Token>>, visiting: Set<ModuleNode>): Set<Token> {
  const known = memo.get(node);
  if (known !== undefined) return known;
  const out = new Set<Token>();
  if (visiting.has(node)) return out; // import cycles re-exporting each other add nothing new
  visiting.add(node);
  for (const entry of node.options.exports ?? []) {
    const reexported = node.imports.find((m) => m.cls === entry);
    if (reexported !== undefined) {
      for (const token of exportsOf(reexported, memo, visiting)) out.add(token);
    } else if (node.providers.has(entry as Token)) {
      out.add(entry as Token);
    } else {
      const what = tokenName(entry);
      throw new BootstrapError('TORSION_ERR_BAD_EXPORT', `${node.name} exports ${what}, which it neither provides nor imports: add ${what} to its providers (or imports), or remove the export`, { target: node.name });
    }
  }
  memo.set(node, out);
  return out;
}

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
