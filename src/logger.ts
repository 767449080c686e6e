import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs (bindings first, message second). Tokens never reach a log line: known secret
 * fields are redacted, and webhook/interaction URLs (which embed an interaction token) are masked by
 * `maskSecrets` wherever an error message is logged.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'broadsheet' },
      redact: {
        paths: [
          'token',
          '*.token',
          'config.DISCORD_TOKEN',
          'headers.authorization',
          '*.headers.authorization',
        ],
        censor: '[redacted]',
      },
      serializers: { err: (error: unknown) => serializeError(error) },
    },
    destination,
  );
}

const SECRET_PATTERNS: RegExp[] = [
  /(\/(?:webhooks|interactions)\/\d+\/)[\w.-]+/g, // interaction tokens inside REST paths
  /\b[\w-]{23,28}\.[\w-]{6,7}\.[\w-]{27,}\b/g, // bot tokens
  /(Bot\s+)[\w.-]+/g,
];

export function maskSecrets(text: string): string {
  let masked = text;
  for (const pattern of SECRET_PATTERNS) {
    masked = masked.replace(
      pattern,
      (_match, prefix?: string) => `${typeof prefix === 'string' ? prefix : ''}[redacted]`,
    );
  }
  return masked;
}

function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: maskSecrets(String(error)) };
  const extra = error as Error & { code?: unknown; status?: unknown; url?: unknown; method?: unknown };
  return {
    type: error.name,
    message: maskSecrets(error.message),
    code: extra.code,
    status: extra.status,
    method: extra.method,
    url: typeof extra.url === 'string' ? maskSecrets(extra.url) : undefined,
    stack: error.stack ? maskSecrets(error.stack) : undefined,
  };
}
