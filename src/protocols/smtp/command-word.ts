/**
 * The command word of an SMTP line and its arguments, split as torsion's `words()` router splits
 * a line (spaces and tabs separate words; runs of them count as one), so the codec (which must
 * recognise `DATA` while decoding) and the router agree on what a line's command is.
 */

const SPACE = 0x20;
const TAB = 0x09;

function isBlank(code: number): boolean {
  return code === SPACE || code === TAB;
}

/** The first word of `line`, or undefined for a blank line. */
export function commandWord(line: string): string | undefined {
  let start = 0;
  while (start < line.length && isBlank(line.charCodeAt(start))) start++;
  if (start === line.length) return undefined;
  let end = start;
  while (end < line.length && !isBlank(line.charCodeAt(end))) end++;
  return line.slice(start, end);
}

/** The words of `line` after the first. */
export function commandArgs(line: string): string[] {
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
