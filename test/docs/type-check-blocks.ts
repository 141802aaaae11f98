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

/** One Markdown file's blocks, for `typeCheckDocuments`. */
export interface DocumentBlocks {
  /** The file's path from the repository root (names it in diagnostics and virtual file names). */
  readonly file: string;
  readonly blocks: readonly CodeBlock[];
}

/**
 * Type-checks every block as its own module against the real sources, in one program (the
 * sources are checked once). Returns the diagnostics of each block, located in `file`.
 */
export function typeCheckBlocks(blocks: readonly CodeBlock[], file: string): SnippetDiagnostic[][] {
  return typeCheckDocuments([{ file, blocks }])[0];
}

/**
 * `typeCheckBlocks` for several files in one program: the sources are checked once for all the
 * guides, not once per file. Returns, per document, the diagnostics of each of its blocks.
 */
export function typeCheckDocuments(documents: readonly DocumentBlocks[]): SnippetDiagnostic[][][] {
  const options = snippetCompilerOptions();
  const names = documents.map(({ file, blocks }) => blocks.map((block) => path.join(ROOT, `${file.replace(/[\\/]/g, '_')}.line-${block.line}.ts`)));
  const virtual = new Map(names.flatMap((fileNames, d) => fileNames.map((name, i) => [path.normalize(name), documents[d].blocks[i].code] as const)));
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

  const program = ts.createProgram({ rootNames: names.flat(), options, host });
  const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  if (global.length > 0) throw new Error(`snippet compiler options are invalid: ${ts.formatDiagnostics(global, host)}`);
  return documents.map(({ blocks }, d) =>
    blocks.map((block, i) => {
      const source = program.getSourceFile(names[d][i]) as ts.SourceFile;
      const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
      return diagnostics.map((diagnostic) => {
        const at = diagnostic.start === undefined ? { line: 0, character: 0 } : source.getLineAndCharacterOfPosition(diagnostic.start);
        return { line: block.line + at.line, column: at.character + 1, message: ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n') };
      });
    }),
  );
}
