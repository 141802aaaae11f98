import { TorsionError } from '../../errors';
import type { MailMessage } from './mail-message';

/** Who sent a message, to whom, and how it reached us: what a `MessageDelivery` gets beside the message. */
export interface MailEnvelope {
  /** The queue id the `250` reply named (also in the `Received:` header). */
  readonly id: string;
  /** The reverse-path (`MAIL FROM`), `''` for the null sender `<>` (a bounce). */
  readonly from: string;
  /** The accepted recipients (`RCPT TO`), in order, each once. */
  readonly to: readonly string[];
  /** The name the client gave in `EHLO`/`HELO`. */
  readonly heloName: string;
  /** The client's IP address. */
  readonly remoteAddress: string;
  /** Whether the message came over TLS (STARTTLS or a TLS listener). */
  readonly tls: boolean;
  /** The user `AUTH` authenticated, if any. */
  readonly authenticatedUser: string | undefined;
  /** `BODY=8BITMIME` was declared (else 7BIT). */
  readonly body: '7BIT' | '8BITMIME';
  /** When the end of the message was read. */
  readonly receivedAt: Date;
}

/**
 * Where the SMTP server hands each accepted message (Twisted's `IMessageDelivery`): a mailbox
 * store, a forwarder, a queue, a test's inspector. Called once per message, after the whole
 * message was received and checked, with every accepted recipient; the client's `250` waits
 * for it. Resolving means the message is safely taken (RFC 5321: the server is then
 * responsible for it). Rejecting with a `DeliveryError` answers as it says (permanent: `554`,
 * else `451`); any other error answers `451 4.3.0` (the client tries again later) and is logged.
 *
 * Provide it with `SmtpServerModule.configure({ delivery })` or under `MESSAGE_DELIVERY`.
 */
export interface MessageDelivery {
  /** Takes one message for every recipient of `envelope`. */
  deliver(envelope: MailEnvelope, message: MailMessage): Promise<void> | void;
}

/**
 * The injection token of the server's `MessageDelivery`. Its description names the fix, since
 * an application that forgot it fails at bootstrap with "... is not provided".
 */
export const MESSAGE_DELIVERY = Symbol('MESSAGE_DELIVERY (configure SmtpServerModule.configure({ delivery }))');

/** A delivery that failed in a way the SMTP client should hear about. */
export class DeliveryError extends TorsionError {
  /** True: the client must not retry (`554`); false: a temporary failure (`451`). */
  readonly permanent: boolean;
  /** The RFC 3463 enhanced status code of the reply; default `5.3.0` or `4.3.0`. */
  readonly status: string;

  constructor(message: string, options: { permanent?: boolean; status?: string; cause?: unknown } = {}) {
    super('TORSION_ERR_SMTP_DELIVERY', message, { cause: options.cause });
    this.permanent = options.permanent ?? false;
    this.status = options.status ?? (this.permanent ? '5.3.0' : '4.3.0');
  }
}

/** A message kept by `MemoryDelivery`. */
export interface DeliveredMessage {
  /** Who sent it to whom: reverse-path, recipients, the client's name and address. */
  readonly envelope: MailEnvelope;
  /** The message as stored: the `Received:` header, then the message. */
  readonly data: Buffer;
}

/**
 * A `MessageDelivery` that keeps messages in memory (tests, inspection, a demo): at most
 * `maxMessages` (default 1000), the oldest dropped first. Not a mailbox store: nothing survives
 * a restart.
 */
export class MemoryDelivery implements MessageDelivery {
  /** What was delivered, oldest first. */
  readonly messages: DeliveredMessage[] = [];

  constructor(private readonly maxMessages = 1000) {}

  /** {@inheritDoc MessageDelivery.deliver} */
  deliver(envelope: MailEnvelope, message: MailMessage): void {
    this.messages.push({ envelope, data: message.toBuffer() });
    if (this.messages.length > this.maxMessages) this.messages.shift();
  }
}
