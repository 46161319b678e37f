import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Tokens and secrets are redacted by path wherever they might be attached,
 * and URLs are scrubbed of session tokens before they are logged (see request-log.ts).
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'threadline' },
    redact: {
      paths: [
        'id_token', '*.id_token', 'JWT', '*.JWT', 'token', '*.token', 'access_token', '*.access_token',
        'client_assertion', '*.client_assertion', 'registration_token', '*.registration_token',
        'authorization', '*.authorization', 'headers.authorization', 'headers.cookie', 'password', '*.password',
        'private_jwk', '*.private_jwk',
      ],
      censor: '[redacted]',
    },
  });
}
