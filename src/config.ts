import { z } from 'zod';

const snowflake = z.string().regex(/^\d{17,20}$/, 'must be a Discord id (17–20 digits)');
const wholeCount = (fallback: number) =>
  z.coerce.number().int('must be a whole number').min(1, 'must be at least 1').default(fallback);
const booleanFlag = (fallback: boolean) =>
  z
    .string()
    .transform((value) => value.toLowerCase())
    .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { error: 'must be true or false' }))
    .transform((value) => ['true', '1', 'yes', 'on'].includes(value))
    .default(fallback);
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Every environment variable Broadsheet reads. `.env.example` lists the same names. */
export const configSchema = z.object({
  DISCORD_TOKEN: z
    .string()
    .regex(/^[\w-]+\.[\w-]+\.[\w-]+$/, 'does not look like a bot token (three dot-separated parts)')
    .optional(),
  DISCORD_CLIENT_ID: snowflake.optional(),
  DISCORD_GUILD_ID: snowflake.optional(),
  DISCORD_API_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://discord.com/api' })
    .default('https://discord.com/api'),
  ARTICLES_DIR: z.string().default('seeds'),
  DATA_DIR: z.string().default('data'),
  LOG_LEVEL: z
    .string()
    .transform((level) => level.toLowerCase())
    .pipe(z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }))
    .default('info'),
  /** Unset: readable lines in a terminal, JSON lines otherwise (pipes, files, supervisors). */
  LOG_FORMAT: z
    .string()
    .transform((format) => format.toLowerCase())
    .pipe(z.enum(['pretty', 'json'], { error: 'must be pretty or json' }))
    .optional(),
  MAX_ARTICLE_BYTES: z.coerce
    .number()
    .int()
    .min(1024, 'must be at least 1024')
    .default(512 * 1024),
  /** 0 turns catch-up off: a digest missed while the bot was down is skipped. */
  DIGEST_CATCH_UP_HOURS: z.coerce.number().min(0, 'must be 0 (off) or a number of hours').default(6),
  DM_MESSAGES_PER_MINUTE: wholeCount(6),
  /** Unset: no health or metrics listener. */
  HEALTH_PORT: z.coerce
    .number()
    .int('must be a whole number')
    .min(1, 'must be a port from 1 to 65535')
    .max(65535, 'must be a port from 1 to 65535')
    .optional(),
  HEALTH_HOST: z.string().default('127.0.0.1'),
  STARTUP_TIMEOUT_SECONDS: z.coerce
    .number()
    .int('must be a whole number of seconds')
    .positive('must be a positive number of seconds')
    .default(60),
  /** Watch ARTICLES_DIR and swap in a new library when files change (SIGHUP forces a full rescan). */
  WATCH_ARTICLES: booleanFlag(true),
  /** A file listing feeds (one per line or YAML); unset: no feed import inside the bot. */
  FEEDS_FILE: z.string().optional(),
  FEEDS_EVERY_MINUTES: wholeCount(30),
  /** postgres://… selects the Postgres store; unset: SQLite in DATA_DIR (one process only). */
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
  /** Unset or 1: one process. A number, or auto (Discord's recommendation), runs one process per shard. */
  SHARD_COUNT: z
    .string()
    .transform((value) => value.toLowerCase())
    .refine((value) => value === 'auto' || (/^\d+$/.test(value) && Number(value) >= 1), {
      error: 'must be a whole number of at least 1, or auto',
    })
    .transform((value): number | 'auto' => (value === 'auto' ? 'auto' : Number(value)))
    .default(1),
  /** A claimed digest run whose process stopped answering is taken over after this many seconds. */
  DIGEST_CLAIM_TIMEOUT_SECONDS: wholeCount(120),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parse the environment once at start. `KEY=` counts as unset. Every bad variable is reported in one
 * error; values are never echoed (a malformed token is still a secret).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(
    Object.keys(configSchema.shape)
      .map((key) => [key, env[key]?.trim()] as const)
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = configSchema.safeParse(present);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`),
  );
}
