/**
 * How text command lines split into words — spaces and tabs separate words, runs of them count as
 * one — shared by the `words()` router and by codecs that must recognise a command while decoding
 * (SMTP's `DATA`), so the two always agree on what a line's command is.
 */

const SPACE = 0x20;
const TAB = 0x09;

function isBlank(code: number): boolean {
  return code === SPACE || code === TAB;
}

/** @internal The first word of `line`, or undefined for a blank line. */
export function firstWord(line: string): string | undefined {
  let start = 0;
  while (start < line.length && isBlank(line.charCodeAt(start))) start++;
  if (start === line.length) return undefined;
  let end = start;
  while (end < line.length && !isBlank(line.charCodeAt(end))) end++;
  return start === 0 && end === line.length ? line : line.slice(start, end);
}

/** @internal The words of `line` after the first. */
export function wordsAfterFirst(line: string): string[] {
  const args: string[] = [];
  let i = 0;
  let first = true;
  while (i < line.length) {
    while (i < line.length && isBlank(line.charCodeAt(i))) i++;
    if (i === line.length) break;
    const start = i;
    while (i < line.length && !isBlank(line.charCodeAt(i))) i++;
    if (first) first = false;
    else args.push(line.slice(start, i));
  }
  return args;
}
