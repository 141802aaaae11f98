import * as path from 'node:path';
import * as ts from 'typescript';
import type { CodeBlock } from './markdown-blocks';

const ROOT = path.resolve(__dirname, '../..');

/**
 * Compiler options for documentation snippets: the project's tsconfig.json (strict, decorators,
 * emitDecoratorMetadata, and the `paths` that map 'torsion' and 'torsion/testing' to src/), with
 * ES modules so snippets may use top-level `await` as a user's script would.
 */
export function snippetCompilerOptions(): ts.CompilerOptions {
  const configPath = path.join(ROOT, 'tsconfig.json');
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  if (read.error !== undefined) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, ROOT, undefined, configPath);
  return {
    ...parsed.options,
    module: ts.ModuleKind.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    noEmit: true,
    declaration: false,
    sourceMap: false,
  };
}

/** A compiler diagnostic located in the Markdown file. */
export interface SnippetDiagnostic {
  /** 1-based line in the Markdown file. */
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/**
 * Type-checks every block as its own module against the real sources, in one program (the
 * sources are checked once). Returns the diagnostics of each block, located in `file`.
 */
export function typeCheckBlocks(blocks: readonly CodeBlock[], file: string): SnippetDiagnostic[][] {
  const options = snippetCompilerOptions();
  const names = blocks.map((block) => path.join(ROOT, `${path.basename(file)}.line-${block.line}.ts`));
  const virtual = new Map(names.map((name, i) => [path.normalize(name), blocks[i].code]));
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, onError, shouldCreate) => {
    const code = virtual.get(path.normalize(name));
    return code === undefined ? getSourceFile(name, language, onError, shouldCreate) : ts.createSourceFile(name, code, language, true);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => virtual.has(path.normalize(name)) || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => virtual.get(path.normalize(name)) ?? readFile(name);

  const program = ts.createProgram({ rootNames: names, options, host });
  const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  if (global.length > 0) throw new Error(`snippet compiler options are invalid: ${ts.formatDiagnostics(global, host)}`);
  return blocks.map((block, i) => {
    const source = program.getSourceFile(names[i]) as ts.SourceFile;
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    return diagnostics.map((d) => {
      const at = d.start === undefined ? { line: 0, character: 0 } : source.getLineAndCharacterOfPosition(d.start);
      return { line: block.line + at.line, column: at.character + 1, message: ts.flattenDiagnosticMessageText(d.messageText, '\n') };
    });
  });
}
