const LF = 0x0a;
const CR = 0x0d;

/** The size of `data` once every bare LF is a CRLF. */
export function crlfSize(data: Buffer): number {
  let bare = 0;
  for (let at = data.indexOf(LF); at !== -1; at = data.indexOf(LF, at + 1)) {
    if (at === 0 || data[at - 1] !== CR) bare++;
  }
  return data.length + bare;
}

/** `data` with every bare LF made a CRLF (messages stored with LF line ends are served with CRLF); `data` itself when it has none. */
export function toCrlf(data: Buffer): Buffer {
  const size = crlfSize(data);
  if (size === data.length) return data;
  const out = Buffer.allocUnsafe(size);
  let from = 0;
  let to = 0;
  for (let at = data.indexOf(LF); at !== -1; at = data.indexOf(LF, at + 1)) {
    if (at > 0 && data[at - 1] === CR) continue;
    to += data.copy(out, to, from, at);
    out[to++] = CR;
    out[to++] = LF;
    from = at + 1;
  }
  data.copy(out, to, from);
  return out;
}
