/**
 * RFC 1459 case mapping (`CASEMAPPING=rfc1459`): besides A-Z, the characters `[]\^` are the
 * upper case of `{}|~` (Scandinavian letters in the original character set). Nicks and channel
 * names are compared by their folded form, so `Ann[1]` and `ann{1}` are one nick.
 */
export function ircFold(name: string): string {
  let out: string | undefined;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    let lower = c;
    if (c >= 0x41 && c <= 0x5a) lower = c + 0x20;
    else if (c === 0x5b /* [ */ || c === 0x5c /* \ */ || c === 0x5d /* ] */ || c === 0x5e /* ^ */) lower = c + 0x20;
    if (lower !== c && out === undefined) out = name.slice(0, i);
    if (out !== undefined) out += String.fromCharCode(lower);
  }
  return out ?? name;
}

/** True when two nicks or channel names are the same under RFC 1459 case mapping. */
export function ircEquals(a: string, b: string): boolean {
  return a.length === b.length && ircFold(a) === ircFold(b);
}
