/**
 * `torsion/smtp`: an SMTP server (RFC 5321 with ESMTP) and client, as a torsion protocol module.
 *
 * @module torsion/smtp
 */
export { SmtpServerModule, smtpProtocolOptions, type SmtpServerModuleOptions, type ProvidedBy } from './smtp-server-module';
export { SmtpSession, SMTP_PROTOCOL_OPTIONS, type SmtpPhase } from './smtp-session';
export { SMTP_SERVER_CONFIG, smtpServerConfig, type SmtpServerSettings, type SmtpServerConfig } from './options';
export { MESSAGE_DELIVERY, DeliveryError, MemoryDelivery, type MessageDelivery, type MailEnvelope, type DeliveredMessage } from './delivery';
export { MailMessage } from './mail-message';
export { RECIPIENT_POLICY, RELAY_POLICY, LOCAL_USERS, LocalRecipients, AuthenticatedRelay, localUsersFrom, type RecipientPolicy, type RelayPolicy, type RelayRequest, type LocalUsers } from './policies';
export { SMTP_AUTHENTICATOR, type SmtpAuthenticator, type SmtpCredentials } from './auth';
export { parseMailbox, type Mailbox } from './address';
export { SmtpFailureReplies } from './reply-filter';
export { smtpCodec, SmtpCodec, SmtpLine, DataEnd, SmtpSynchronizationError, DATA_BODY_ROUTE, DATA_END_ROUTE, SASL_RESPONSE_ROUTE, type SmtpCodecOptions, type SmtpFrame, type SmtpInput } from './smtp-codec';
export { SmtpRouter, SMTP_ROUTER_REPLIES } from './smtp-router';
export { SmtpClientModule } from './client/smtp-client-module';
export { SmtpSender, sendMail, type SendMailOptions, type SendResult } from './client/smtp-sender';
export { SmtpClientSession } from './client/smtp-client-session';
export { SmtpReplyError, SmtpClientError, type RefusedRecipient } from './client/errors';
export { type SmtpReply } from './client/reply';
export { dotStuff } from './client/dot-stuff';
