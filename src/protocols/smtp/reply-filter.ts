import { Catch } from '../../decorators/routing';
import type { ExceptionFilter, RouteContext } from '../../decorators/enhancers';
import { Logger } from '../../logger';
import { DeliveryError } from './delivery';
import { SASL_RESPONSE_ROUTE } from './smtp-codec';

/** A delivery's message made safe for a reply line: printable ASCII, bounded. */
function replyText(message: string): string {
  // eslint-disable-next-line no-control-regex
  const text = message.replace(/[^\x20-\x7e]/g, ' ').trim();
  return text.length > 200 ? `${text.slice(0, 200)}...` : text || 'Delivery failed';
}

/**
 * The session's exception filter: a failure of a provider (delivery, recipient or relay policy,
 * authenticator) becomes an SMTP reply and the connection goes on. A `DeliveryError` answers as
 * it says (`554` permanent, `451` temporary, with its status code); anything else is logged and
 * answered as a temporary local problem (`454 4.7.0` during AUTH, else `451 4.3.0`), so the
 * client retries later rather than losing the message.
 */
@Catch()
export class SmtpFailureReplies implements ExceptionFilter {
  constructor(private readonly log: Logger) {}

  /** {@inheritDoc torsion!ExceptionFilter.catch} */
  catch(error: unknown, context: RouteContext): string {
    if (error instanceof DeliveryError) return `${error.permanent ? 554 : 451} ${error.status} ${replyText(error.message)}`;
    this.log.error({ err: error }, `smtp: ${context.route ?? context.method} failed`);
    if (context.route === 'AUTH' || context.route === SASL_RESPONSE_ROUTE) return '454 4.7.0 Temporary authentication failure';
    return '451 4.3.0 Temporary local problem, please try again later';
  }
}
