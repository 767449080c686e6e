import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import { shardIdentityFromEnv } from './ops/shardIdentity.ts';

export type { Logger };

export type LogFormat = 'pretty' | 'json';

/** Readable lines for a person at a terminal, JSON lines for everything else (files, pipes, supervisors). */
export function defaultLogFormat(stream: { isTTY?: boolean } = process.stdout): LogFormat {
  return stream.isTTY ? 'pretty' : 'json';
}

/**
 * Structured logs (bindings first, message second). Tokens never reach a log line: known secret
 * fields are redacted, and webhook/interaction URLs (which embed an interaction token) are masked by
 * `maskSecrets` wherever an error message is logged.
 */
export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  format: LogFormat = destination ? 'json' : defaultLogFormat(),
): Logger {
  // pino-pretty as a stream in this thread (not a transport worker), so a fatal line is out before exit.
  const output =
    format === 'pretty'
      ? pretty({
          colorize: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
          translateTime: 'SYS:standard',
          ignore: 'pid,hostname,app',
          sync: true,
          destination: destination ?? 1,
        })
      : destination;
  // A shard's process says which shard it is on every line (`shard: N`), so N processes' logs can share a file.
  const shard = shardIdentityFromEnv();
  return pino(
    {
      level,
      base: { app: 'broadsheet', ...(shard && { shard: shard.id }) },
      // ISO times, not epoch milliseconds: log lines are read by people too.
      timestamp: pino.stdTimeFunctions.isoTime,
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
    output,
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
