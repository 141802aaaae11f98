import type { Logger } from '../logger';

/**
 * What a listening server reports after it is bound (accept failing with EMFILE/ENFILE under
 * load) is logged and the listener keeps serving: an unhandled 'error' would end the process.
 */
export function serverErrorLogger(context: { readonly reactor: { readonly logger: Logger; readonly logLimiter: { allow(kind: string): boolean } } }, plan: { readonly table: { readonly name: string } }): (error: Error) => void {
  return (error) => {
    // EMFILE under a connection flood would otherwise log once per refused accept.
    if (context.reactor.logLimiter.allow('accept failed')) context.reactor.logger.error({ err: error, protocol: plan.table.name }, 'listener error (accepting a connection failed)');
  };
}
