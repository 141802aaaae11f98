/**
 * `torsion/testing`: drive protocols in memory, on the same bootstrap and dispatch code as
 * production (Twisted's StringTransport + MemoryReactor + task.Clock + iosim, Netty's
 * EmbeddedChannel, NestJS's Test.createTestingModule).
 *
 * @example
 * import { createTestingApp } from 'torsion/testing';
 * const t = createTestingApp(AppModule, { overrides: [{ provide: Store, useValue: fakeStore }] });
 * const c = t.connect(Echo);
 * c.send('hello\n', { split: 1 });
 * expect(c.frames()).toEqual(['hello']);
 * await t.advance(30_000);          // idle timers fire, no real waiting
 * await t.close();
 *
 * @module torsion/testing
 */
export { createTestingApp, TestingApp, TestPair } from './testing-app';
export type { TestDatagramSocket } from './testing-app';
export { MemoryDatagramWire } from './memory-datagram-wire';
export type { MemoryDatagramWireOptions } from './memory-datagram-wire';
export type { TestingAppOptions, TestConnectOptions, ConnectPairOptions, PeerAddress } from './testing-app';
export { TestConnection, settleAll } from './test-connection';
export type { SendOptions, SettleOptions } from './test-connection';
export { MemoryConnection, PEER_END, PEER_RESET } from './memory-connection';
// MemoryConnection's base class: its public members are what a test reads on a connection.
export type { StreamConnection } from '../transport/stream-connection';
export type { MemoryConnectionOptions, MemoryOutput } from './memory-connection';
export { VirtualClock } from './virtual-clock';
export type { VirtualClockOptions } from './virtual-clock';
export { pump } from './pump';
export type { PumpOptions, PumpReport } from './pump';
export { splitBytes } from './split';
export type { Split } from './split';
export { MemoryLogger } from './memory-logger';
export { MemoryGroupBus } from './memory-group-bus';
export type { LogRecord } from './memory-logger';
export { PumpError, SettleError, ClockRunawayError, DeferredRunawayError } from './errors';
export { nextTurn } from './turns';
export { checkCodec, CodecConformanceError, type CodecProperty, type CodecCheckReport, type SampleOptions, type CheckBytes, type CheckSplit, type StreamCodecCheckOptions, type FramedCodecCheckOptions, type UnframedCodecCheckOptions, type DatagramCodecCheckOptions } from './check-codec';
