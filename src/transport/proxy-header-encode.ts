import type { Socket } from 'node:net';
import { OptionError } from '../errors';
import { ipFamily, ipv4Bytes, ipv6Bytes, unmapped } from './proxy-address';
import { V2_SIGNATURE } from './proxy-header';
import type { ProxyEndpoint, SocketAddresses } from './proxy-header';

/** @internal What a client's `proxyProtocol` option may be (`ProxyProtocolSend`, checked by `checkProxySend`). */
export type ProxySend = 'v1' | 'v2' | { readonly version: 'v1' | 'v2'; readonly client?: SocketAddresses };

/** @internal Checks a client's `proxyProtocol` option before dialling; throws OptionError naming the fix. */
export function checkProxySend(option: unknown, transport: string, where: string): void {
  if (option === undefined) return;
  const version = typeof option === 'object' && option !== null ? (option as { version?: unknown }).version : option;
  if (version !== 'v1' && version !== 'v2') throw new OptionError(`${where}: proxyProtocol must be 'v1', 'v2' or { version: 'v1' | 'v2', client }, got ${String(version)}`);
  const client = typeof option === 'object' ? (option as { client?: unknown }).client : undefined;
  if (client !== undefined && (client === null || typeof client !== 'object' || typeof (client as SocketAddresses).remoteAddress !== 'string')) {
    throw new OptionError(`${where}: proxyProtocol.client must be the connection being relayed (remoteAddress, remotePort, localAddress, localPort)`);
  }
  if (transport === 'tls') throw new OptionError(`${where}: proxyProtocol is sent on tcp and unix connections only (over TLS it would precede the handshake)`);
}

/**
 * @internal
 * The header a dialled `socket` sends first: for `client` (a relayed connection) when given,
 * else for the socket itself (our end as the source, the server as the destination).
 */
export function clientProxyHeader(option: ProxySend, socket: Socket): Buffer {
  const version = typeof option === 'string' ? option : option.version;
  const client = typeof option === 'string' ? undefined : option.client;
  const source = client === undefined ? { address: socket.localAddress ?? '', port: socket.localPort ?? 0 } : { address: client.remoteAddress, port: client.remotePort };
  const destination = client === undefined ? { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 } : { address: client.localAddress, port: client.localPort };
  return encodeProxyHeader(version, source, destination);
}

/**
 * Encodes the PROXY header a client sends first (`@Connect({ proxyProtocol })`): `PROXY TCP4|TCP6
 * ...` (v1) or a v2 `PROXY` STREAM header naming `source` (the client being relayed) and
 * `destination` (what it connected to). Without two IP endpoints of one family (a Unix socket,
 * no address), v1 says `PROXY UNKNOWN` and v2 sends `LOCAL`: the receiver then uses the
 * socket's own addresses. An IPv4 endpoint paired with an IPv6 one is sent as IPv4-mapped IPv6.
 */
export function encodeProxyHeader(version: 'v1' | 'v2', source: ProxyEndpoint | undefined, destination: ProxyEndpoint | undefined): Buffer {
  const pair = ipPair(source, destination);
  if (version === 'v1') {
    if (pair === undefined) return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
    const [s, d, family] = pair;
    return Buffer.from(`PROXY TCP${family} ${s.address} ${d.address} ${s.port} ${d.port}\r\n`, 'latin1');
  }
  if (pair === undefined) {
    const local = Buffer.alloc(16);
    V2_SIGNATURE.copy(local);
    local[12] = 0x20; // version 2, LOCAL
    return local;
  }
  const [s, d, family] = pair;
  const addressBytes = family === 4 ? 12 : 36;
  const out = Buffer.alloc(16 + addressBytes);
  V2_SIGNATURE.copy(out);
  out[12] = 0x21; // version 2, PROXY
  out[13] = family === 4 ? 0x11 : 0x21; // AF_INET / AF_INET6, STREAM
  out.writeUInt16BE(addressBytes, 14);
  const bytes = family === 4 ? ipv4Bytes : ipv6Bytes;
  const size = family === 4 ? 4 : 16;
  bytes(s.address).copy(out, 16);
  bytes(d.address).copy(out, 16 + size);
  out.writeUInt16BE(s.port, 16 + 2 * size);
  out.writeUInt16BE(d.port, 18 + 2 * size);
  return out;
}

/** Both endpoints in one IP family (4 when both are IPv4, mapped or not; else 6), or undefined. */
function ipPair(source: ProxyEndpoint | undefined, destination: ProxyEndpoint | undefined): [ProxyEndpoint, ProxyEndpoint, 4 | 6] | undefined {
  if (source === undefined || destination === undefined) return undefined;
  const s = unmapped(source.address);
  const d = unmapped(destination.address);
  const fs = ipFamily(s);
  const fd = ipFamily(d);
  if (fs === 0 || fd === 0 || !validPort(source.port) || !validPort(destination.port)) return undefined;
  if (fs === 4 && fd === 4) return [{ address: s, port: source.port }, { address: d, port: destination.port }, 4];
  const v6 = (address: string, family: 4 | 6): string => (family === 4 ? `::ffff:${address}` : address.split('%')[0]);
  return [{ address: v6(s, fs), port: source.port }, { address: v6(d, fd), port: destination.port }, 6];
}

function validPort(port: number): boolean {
  return Number.isInteger(port) && port >= 0 && port <= 65535;
}
