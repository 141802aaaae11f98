/**
 * Finds the TypeScript code blocks of a Markdown file, with the line each starts on, so a
 * failure can name `README.md:<line>`.
 *
 * A block is a fence opened by ```ts (or ```typescript) and closed by ```. It is compiled, then
 * run, unless the nearest non-blank line above its fence is `<!-- no-run: <why> -->`: then it
 * is only compiled (a reason is required, so an opt-out is never silent).
 */
export interface CodeBlock {
  /** 1-based line of the block's first code line (the line after the opening fence). */
  readonly line: number;
  readonly code: string;
  /** false when marked `<!-- no-run: ... -->`. */
  readonly run: boolean;
  /** The reason given with `no-run`. */
  readonly noRunReason: string | undefined;
}

/** Thrown when the Markdown itself is malformed for this purpose (an unclosed fence, a `no-run` without a reason). */
export class MarkdownBlockError extends Error {}

const OPEN = /^```(ts|typescript)\s*$/;
const FENCE = /^```/;
const NO_RUN = /^<!--\s*no-run\b:?\s*(.*?)\s*-->$/;

/** The ts blocks of `markdown`, in order. `file` only names the source in error messages. */
export function extractTsBlocks(markdown: string, file: string): CodeBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: CodeBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    const fence = lines[i];
    if (!FENCE.test(fence)) {
      i++;
      continue;
    }
    // Find the closing fence of any block, so ``` inside a ```sh block is never taken for an opener.
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    if (end >= lines.length) throw new MarkdownBlockError(`${file}:${i + 1}: the code block opened here is never closed`);
    if (OPEN.test(fence)) {
      const marker = markerAbove(lines, i);
      const noRun = marker === undefined ? null : NO_RUN.exec(marker);
      if (noRun !== null && noRun[1] === '') {
        throw new MarkdownBlockError(`${file}:${i}: <!-- no-run --> needs a reason: <!-- no-run: binds port 8000 -->`);
      }
      blocks.push({ line: i + 2, code: lines.slice(i + 1, end).join('\n'), run: noRun === null, noRunReason: noRun?.[1] });
    }
    i = end + 1;
  }
  return blocks;
}

function markerAbove(lines: string[], fenceIndex: number): string | undefined {
  for (let j = fenceIndex - 1; j >= 0; j--) {
    const text = lines[j].trim();
    if (text !== '') return text;
  }
  return undefined;
}
