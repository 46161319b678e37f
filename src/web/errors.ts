/**
 * Typed errors with a stable `code`. One handler renders them as an HTML page (inside the
 * iframe) or JSON (API). `message` is safe to show to the user; `hint` tells them what to do.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends AppError {
  constructor(code: string, message: string, hint?: string) {
    super(400, code, message, hint);
  }
}

export class UnauthorizedError extends AppError {
  constructor(code: string, message: string, hint?: string) {
    super(401, code, message, hint);
  }
}

export class ForbiddenError extends AppError {
  constructor(code: string, message: string, hint?: string) {
    super(403, code, message, hint);
  }
}

/** Also used for ids from another course, deployment or platform: they get 404, never data. */
export class NotFoundError extends AppError {
  constructor(message = 'Not found.') {
    super(404, 'not_found', message);
  }
}

/** A failure talking to an LMS or LRS we depend on. */
export class UpstreamError extends AppError {
  constructor(code: string, message: string, hint?: string) {
    super(502, code, message, hint);
  }
}
