import { integerOption } from '../../codec/options';
import { Module } from '../../decorators/module';
import type { DynamicModule, ProtocolOptions } from '../../decorators/options';
import { OptionError } from '../../errors';
import { imapServerCodec } from './codec';
import { IMAP_CONFIG, IMAP_PROTOCOL_OPTIONS, type ImapConfig, type ImapServerOptions } from './options';
import { ImapReplyFilter, ImapSession } from './session';

const NAME = 'ImapServerModule';
const THIRTY_MINUTES = 30 * 60_000;

/** The protocol options of a configuration: the codec with its limits and the autologout timer. */
function protocolOptions(config: ImapConfig): ProtocolOptions {
  return {
    codec: imapServerCodec({ maxLength: config.maxLength, maxLiteralSize: config.maxLiteralSize }),
    idle: { readMs: config.autologoutMs },
    // A large APPEND over a slow link may take a while; the autologout bounds a stalled one.
    frameTimeoutMs: config.autologoutMs,
  };
}

/** Validates `options` and fills in the defaults. */
export function imapConfig(options: ImapServerOptions): ImapConfig {
  if (options === null || typeof options !== 'object') throw new OptionError(`${NAME}.configure: pass { store, authenticate, ... }`);
  const { store, authenticate } = options;
  if (store === null || typeof store !== 'object' || typeof store.deliver !== 'function') throw new OptionError(`${NAME}.configure: store must be a MailStore, e.g. new MaildirStore({ root })`);
  if (typeof authenticate !== 'function') throw new OptionError(`${NAME}.configure: authenticate must be a function (user, password, info) => boolean | Promise<boolean>`);
  const plaintextLogin = options.plaintextLogin ?? 'loopback';
  if (!['never', 'loopback', 'always'].includes(plaintextLogin)) throw new OptionError(`${NAME}.configure: plaintextLogin must be 'never', 'loopback' or 'always', got ${String(plaintextLogin)}`);
  if (options.tls !== undefined && (options.tls.key === undefined || options.tls.cert === undefined)) throw new OptionError(`${NAME}.configure: tls needs { key, cert } (PEM) for STARTTLS`);
  return Object.freeze({
    store,
    authenticate,
    tls: options.tls,
    plaintextLogin,
    maxLength: integerOption(NAME, 'maxLength', options.maxLength, 64 * 1024, 1024),
    maxLiteralSize: integerOption(NAME, 'maxLiteralSize', options.maxLiteralSize, 32 * 1024 * 1024, 0),
    autologoutMs: integerOption(NAME, 'autologoutMs', options.autologoutMs, THIRTY_MINUTES, 1000),
    maxLoginFailures: integerOption(NAME, 'maxLoginFailures', options.maxLoginFailures, 3),
    serverName: (options.serverName ?? 'torsion').replace(/[\r\n]/g, ' '),
  });
}

/**
 * `torsion/imap`'s server: `ImapServerModule.configure({ port, store, authenticate, tls })`.
 * Without `configure` the module is not usable (it has no store): configure it once per
 * application and import or bootstrap the result.
 */
@Module({
  protocols: [ImapSession],
  providers: [ImapReplyFilter, { provide: IMAP_PROTOCOL_OPTIONS, useFactory: protocolOptions, inject: [IMAP_CONFIG] }],
})
export class ImapServerModule {
  /** The IMAP server configured by `options`; `port` (default 143) and `host` set its listener. Throws `OptionError` for invalid options. */
  static configure(options: ImapServerOptions): DynamicModule {
    const config = imapConfig(options);
    return {
      module: ImapServerModule,
      providers: [{ provide: IMAP_CONFIG, useValue: config }],
      // Only what was given: an override of `port: undefined` would erase @Listen(143)'s port.
      listen: [[ImapSession, { ...(options.port === undefined ? {} : { port: options.port }), ...(options.host === undefined ? {} : { host: options.host }) }]],
    };
  }
}
