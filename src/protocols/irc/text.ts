/** `text` cut to at most `bytes` UTF-8 bytes without splitting a character. */
export function fitBytes(text: string, bytes: number): string {
  if (text.length * 3 <= bytes || Buffer.byteLength(text) <= bytes) return text;
  let end = Math.max(0, Math.min(text.length, bytes));
  while (end > 0 && Buffer.byteLength(text.slice(0, end)) > bytes) end--;
  // Never end between the halves of a surrogate pair.
  if (end > 0 && end < text.length && text.charCodeAt(end - 1) >= 0xd800 && text.charCodeAt(end - 1) <= 0xdbff) end--;
  return text.slice(0, end);
}
