/**
 * torsion's public API. Everything a user imports comes from here (and `torsion/testing`).
 *
 * @module torsion
 */
export { Module } from './decorators/module';
export type { ModuleOptions, Provider, ProviderScope, ClassProvider, ValueProvider, FactoryProvider, ExistingProvider } from './decorators/options';
export type { DynamicModule, ModuleImport } from './decorators/options';
export { Protocol } from './decorators/protocol';
export type { ProtocolOptions, ProtocolDeclaration, IdleOptions } from './decorators/options';
export type { IdleKind } from './types';
export { Listen } from './decorators/listen';
export type { ListenOptions, ListenTransport, KeepAlive } from './decorators/options';
export type { ListenerStats, RefuseReason } from './transport/listener-stats';
export type { ProxyProtocolListenOptions, ProxyProtocolSend } from './decorators/options';
export type { ProxyProtocolVersion, ProxyHeader, ProxyInfo, ProxyEndpoint, ProxyFamily, SocketAddresses } from './transport/proxy-header';
export type { ProxyTlv, ProxyTlvFields, ProxySslInfo } from './transport/proxy-tlv';
export { OnConnect, OnData, OnClose, OnError, OnDrain, OnInputEnd, OnIdle, OnShutdown } from './decorators/handlers';
export { OnCommand, OnUnknownCommand, UseGuards, UseInterceptors, UseFilters, Catch } from './decorators/routing';
export type { CommandOptions } from './decorators/options';
export type { RouteContext, Guard, Interceptor, ExceptionFilter, Enhancer } from './decorators/enhancers';
export { isThenable } from './thenable';

export { bootstrap } from './application/bootstrap';
export type { BootstrapOptions } from './application/bootstrap';
export { Application, formatAddress } from './application/application';
export type { ApplicationMetrics, BoundListener, ClientConnection, CloseOptions } from './application/application';
export type { MetricsOptions } from './decorators/options';
export type { HealthReport, ClientHealth } from './application/metrics/health';
export type { WorkerHealth } from './application/metrics/health';
export type { SchedulingPolicy, WorkerRestartOptions } from './application/cluster/cluster-options';
export type { WorkerInfo } from './application/cluster/supervisor';
export type { MetricsAddress } from './application/metrics/metrics-server';
export type { OnInit, OnApplicationShutdown } from './application/lifecycle';
export type { ShutdownReport, ShutdownCounts } from './reactor/shutdown-report';
export type { ListenOverride, ListenOverrides } from './application/listen-plan';
export type { ConnectTarget } from './decorators/options';
export { Connect } from './decorators/connect';
export type { ConnectOptions } from './decorators/options';
export { ReconnectPolicy } from './client/reconnect-policy';
export type { ReconnectOptions } from './decorators/options';
export { ReconnectingClient } from './client/reconnecting-client';
export type { ClientState } from './client/reconnecting-client';
export { Requester } from './client/requester';
export type { RequestOptions } from './client/requester';
export type { RequestsOptions, RequestCorrelation } from './decorators/options';

export { Connection } from './transport/connection';
export type { ConnectionState, StartTlsOptions } from './transport/connection';
export type { CloseReason } from './types';
export type { BoundAddress } from './transport/binder';
export type { TlsInfo } from './transport/tls-info';
export { TLS_MATERIAL } from './transport/tls';
export type { TlsListenOptions, TlsMaterial } from './transport/tls';
export { DatagramSocket } from './transport/udp-socket';
export type { DatagramAddress, DatagramWire } from './transport/udp-socket';
export type { UdpListenOptions } from './transport/udp';
export { datagramRaw, datagramUtf8, datagramJson } from './codec/datagram';
export type { DatagramCodec, DatagramCodecOptions } from './codec/datagram';

export { Groups, GROUPS_OPTIONS } from './groups/groups';
export type { GroupsOptions, GroupsStats } from './groups/groups';
export { Group } from './groups/group';
export type { GroupOptions, BroadcastOptions, GroupStats, SlowMemberPolicy } from './groups/group';
export { GroupsModule } from './groups/groups-module';
export type { GroupAdapter, GroupAdapterEvents } from './groups/adapter';
export { RedisGroupAdapter } from './groups/redis-adapter';
export type { RedisGroupAdapterOptions } from './groups/redis-adapter';

export { Reactor } from './reactor/reactor';
export type { LogRateLimit } from './reactor/log-limiter';
export { RealClock } from './reactor/clock';
export type { Clock, TimerHandle } from './reactor/clock';
export { DelayedCall, LoopingCall } from './reactor/delayed-call';

export { Logger, RecordingLogger, ConsoleLogger, silentLogger } from './logger';
export type { LogLevel, RecordLevel, ConsoleLoggerOptions } from './logger';

export * from './codec/index';

export {
  TorsionError,
  BootstrapError,
  OptionError,
  FrameTooLargeError,
  FrameTimeoutError,
  ProtocolError,
  FrameError,
  HandlerError,
  ConnectError,
  ClientEndedError,
  ClosedError,
  ForbiddenError,
  SlowMemberError,
  RequestError,
  RequestTimeoutError,
  ConnectionClosedError,
  ProxyProtocolError,
} from './errors';
export type { RequestErrorCode, ProxyProtocolFailure } from './errors';

// Re-exported so users need not depend on tsyringe directly for the common decorators.
export { injectable, inject, singleton } from 'tsyringe';
export type { Constructor, ConcreteConstructor, Token } from './types';
