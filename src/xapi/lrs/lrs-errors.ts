import { AppError } from '../../web/errors.js';

/** An answer the embedded LRS gives on purpose (400, 401, 404, 409 …), rendered as JSON by the error handler. */
export class LrsError extends AppError {
  constructor(status: number, code: string, message: string) {
    super(status, code, message);
  }
}

export const badRequest = (message: string): LrsError => new LrsError(400, 'xapi_bad_request', message);
