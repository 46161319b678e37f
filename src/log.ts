import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Tokens and secrets are redacted by path wherever they might be attached,
 * and URLs are scrubbed of session tokens before they are logged (see request-log.ts).
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({
    level,
    base: { service: 'threadline' },
    serializers: { err: safeErr },
    redact: {
      paths: [
        'id_token', '*.id_token', 'JWT', '*.JWT', 'token', '*.token', 'access_token', '*.access_token',
        'client_assertion', '*.client_assertion', 'registration_token', '*.registration_token',
        'authorization', '*.authorization', 'headers.authorization', 'headers.cookie', 'password', '*.password',
        'private_jwk', '*.private_jwk',
        // Defence in depth (ops): credentials and personal data that must never reach a log line.
        'cookie', '*.cookie', 'headers["set-cookie"]', '*.headers.cookie', '*.headers.authorization',
        'session', '*.session', 'sessionToken', '*.sessionToken', 'idToken', '*.idToken', 'csrf', '*.csrf', '_csrf', '*._csrf',
        'secret', '*.secret', 'client_secret', '*.client_secret', 'registrationToken', '*.registrationToken',
        'email', '*.email', 'given_name', '*.given_name', 'family_name', '*.family_name',
      ],
      censor: '[redacted]',
    },
  }, destination as DestinationStream);
}

/**
 * pino's error serializer, minus the SQL knex prefixes to a failed query's message
 * ("insert into … values ('what someone wrote', …) - SQLITE_BUSY: …"): its values can be posts,
 * names or tokens. The database's own reason (after the last " - ") stays.
 */
function safeErr(err: unknown): unknown {
  const out = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  if (!out || typeof out.message !== 'string') return out;
  // PostgreSQL's `detail` quotes the offending values ("Key (x)=(what someone wrote) already exists").
  delete out.detail;
  const m = out.message;
  if (/^\s*(select|insert|update|delete|with|create|alter|drop)\s/i.test(m) && m.includes(' - ')) {
    const reason = m.slice(m.lastIndexOf(' - ') + 3);
    out.message = `[query redacted] - ${reason}`;
    if (typeof out.stack === 'string') out.stack = out.stack.split(m).join(out.message as string);
  }
  return out;
}
