/**
 * Typed errors with a stable `code`. One handler renders them as an HTML page (inside the
 * iframe) or JSON (API). `message` is safe to show to the user; `hint` tells them what to do.
 */
export class AppError extends Error {
  /**
   * Where the message catalogue has this error: `errors:<name>` with `.message` and `.hint`, and
   * the values they interpolate. The English `message` stays the one a log, a test or an API
   * client without a language reads; pages and the API translate through the catalogue and fall
   * back to it when the key is missing.
   */
  i18n?: { key: string; params?: Record<string, unknown> };

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** Names the catalogue entry (`'errors:no_thread'`): `throw new NotFoundError('…').tr('errors:no_thread')`. */
  tr(key: string, params?: Record<string, unknown>): this {
    this.i18n = params ? { key, params } : { key };
    return this;
  }
}

/** The message and hint of an error in the reader's language (English: exactly as thrown). */
export function localizedError(t: (key: string, opts: Record<string, unknown> & { defaultValue: string }) => string, e: AppError): { message: string; hint?: string } {
  if (!e.i18n) return { message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  const { key, params } = e.i18n;
  const message = t(`${key}.message`, { ...params, defaultValue: e.message });
  const hint = e.hint ? t(`${key}.hint`, { ...params, defaultValue: e.hint }) : undefined;
  return { message, ...(hint ? { hint } : {}) };
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
    if (message === 'Not found.') this.tr('errors:not_found');
  }
}

/** A failure talking to an LMS or LRS we depend on. */
export class UpstreamError extends AppError {
  constructor(code: string, message: string, hint?: string) {
    super(502, code, message, hint);
  }
}
