import { PumpError } from './errors';
import { PEER_END, PEER_RESET, type MemoryConnection } from './memory-connection';
import { drive } from './memory-loop';
import type { TestConnection } from './test-connection';
import { nextTurn } from './turns';

/** Options of `pump()`. */
export interface PumpOptions {
  /** Rounds that may move data before `PumpError` is thrown. Default 1000. */
  maxRounds?: number;
}

/** What one `pump()` did. */
export interface PumpReport {
  /** Rounds that moved something (the last, quiet round is not counted). */
  readonly rounds: number;
  /** Bytes moved, both directions together. */
  readonly bytes: number;
}

const DEFAULT_MAX_ROUNDS = 1000;

/**
 * Moves everything each connection wrote to the other (Twisted's `iosim.IOPump`) until both
 * are quiet, so a torsion client and server are tested together without a socket. A round lets
 * the event loop turn once (async handlers continue), then delivers each side's pending
 * output to the other, each write as one read, in order: bytes, then a FIN (its `end()`) or an
 * RST (its `destroy()`).
 * The pump stops at the first round that moves nothing. A handler waiting on the virtual clock
 * counts as quiet: advance the clock, then pump again.
 *
 * Bounded: after `maxRounds` rounds that all moved data it throws `PumpError` (the protocols
 * answer each other forever).
 *
 * @example
 * const { client, server } = t.connectPair(PingClient, PongServer);
 * client.protocol.ping();
 * await pump(client, server);
 * expect(client.protocol.pongs).toBe(1);
 */
export async function pump(a: TestConnection<unknown>, b: TestConnection<unknown>, options: PumpOptions = {}): Promise<PumpReport> {
  const maxRounds = options.maxRounds ?? DEFAULT_MAX_ROUNDS;
  let rounds = 0;
  let bytes = 0;
  for (;;) {
    await nextTurn();
    const moved = pumpOnce(a.connection, b.connection);
    if (moved.items === 0) return { rounds, bytes };
    bytes += moved.bytes;
    if (++rounds >= maxRounds) throw new PumpError(rounds, bytes);
  }
}

/** @internal One synchronous round in both directions: what `a` wrote goes to `b`, and back. */
export function pumpOnce(a: MemoryConnection, b: MemoryConnection): { items: number; bytes: number } {
  return drive(() => {
    const there = move(a, b);
    const back = move(b, a);
    return { items: there.items + back.items, bytes: there.bytes + back.bytes };
  });
}

function move(from: MemoryConnection, to: MemoryConnection): { items: number; bytes: number } {
  const output = from.takeOutput();
  let bytes = 0;
  for (const item of output) {
    if (item === PEER_END) to.peerEnd();
    else if (item === PEER_RESET) to.peerReset();
    else {
      bytes += item.length;
      to.receive(item);
    }
  }
  return { items: output.length, bytes };
}
