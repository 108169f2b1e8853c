/**
 * The one error type service functions throw on purpose. Hosts turn it into
 * `{ error: { message, field } }` with `status` (web) or a rejected invoke (Electron); any other
 * error is a bug and is reported as a 500 without its stack.
 */
export class ServiceError extends Error {
  constructor(
    message: string,
    /** The payload field (dotted path) at fault, when there is one. */
    readonly field?: string,
    /** HTTP status the web host answers with: 400 bad input, 404 missing, 409 conflict, 413 too big. */
    readonly status: number = 400,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof ServiceError;
}
