import type { Translate } from '../i18n/i18n.js';
import { AppError } from '../web/errors.js';

/**
 * Input the API refused, with what is wrong per field (rendered as `error.fields`). 413 when a
 * text is over its limit (as the HTML forms answer), 400 for anything else.
 */
export class FieldErrors extends AppError {
  constructor(
    t: Translate,
    status: 400 | 413,
    readonly fields: Record<string, string>,
  ) {
    super(status, status === 413 ? 'payload_too_large' : 'validation_failed', status === 413 ? t('api:errors.tooLong') : t('api:errors.invalid'), t('api:errors.fieldsFix'));
  }
}
