import { TorsionError } from '../../errors';

/**
 * A mail store refused a request: an invalid user or mailbox name (`TORSION_ERR_MAILBOX_NAME`),
 * a mailbox that does not exist (`TORSION_ERR_NO_MAILBOX`), or a damaged Maildir
 * (`TORSION_ERR_MAILSTORE`, the cause chained).
 */
export class MailStoreError extends TorsionError {
  constructor(code: 'TORSION_ERR_MAILBOX_NAME' | 'TORSION_ERR_NO_MAILBOX' | 'TORSION_ERR_MAILSTORE', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
