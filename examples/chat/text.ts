/**
 * What the chat does to text before it shows it to anybody: C0 control characters (tab, CR, ESC
 * and the rest), DEL and the C1 controls each become a space. Relayed as they are, they would let
 * a member act on the others' terminals (`hi\rthere` overwrites the start of its own line, ESC
 * sequences move the cursor or clear the screen). One character for one keeps a message within
 * the line limit it was checked against (a C1 control is 2 bytes of UTF-8, a space 1).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** `text` with every control character replaced by a space. */
export function printable(text: string): string {
  CONTROL.lastIndex = 0;
  return CONTROL.test(text) ? text.replace(CONTROL, ' ') : text;
}

/** Index of the first space or tab in `line` (what separates a command word), or -1. */
export function separatorIndex(line: string): number {
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    if (code === 0x20 || code === 0x09) return i;
  }
  return -1;
}
