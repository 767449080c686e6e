import { z } from 'zod';

import { formatHHMM, parseHHMM } from '../time/localTime.ts';
import { canonicalTimeZone } from '../time/zones.ts';
import { DELIVERY_MODES } from './types.ts';

/** Settings input that cannot be stored; the message lists every problem in words a person can act on. */
export class StoreValidationError extends Error {
  override name = 'StoreValidationError';
}

/** A Discord id; null, undefined and "" are refused with the same readable message. */
const snowflake = (what: string) => {
  const error = `${what} must be a Discord id (digits only)`;
  return z.string({ error }).regex(/^\d{5,20}$/, { error });
};

const time = z.string().transform((text, ctx) => {
  const parsed = parseHHMM(text);
  if (!parsed) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a time: use HH:MM (24-hour), e.g. 08:30` });
    return z.NEVER;
  }
  return formatHHMM(parsed);
});

const timeZone = z.string().transform((text, ctx) => {
  const canonical = canonicalTimeZone(text.trim());
  if (!canonical) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a known time zone: try e.g. Europe/Berlin` });
    return z.NEVER;
  }
  return canonical;
});

/** Digest names: what commands and autocomplete show, so short, one line, no markup characters. */
export const digestName = z
  .string({ error: 'name must be text' })
  .transform((name) => name.trim().replace(/\s+/g, ' '))
  .pipe(
    z
      .string()
      .min(1, { error: 'name must not be empty' })
      .max(32, { error: 'name must be at most 32 characters' })
      .regex(/^[^`*_~|<>@#:\\]+$/, { error: 'name must not contain ` * _ ~ | < > @ # : or \\' }),
  );

export const guildDigestSchema = z.object({
  guildId: snowflake('guildId'),
  name: digestName,
  channelId: snowflake('channelId'),
  delivery: z.enum(DELIVERY_MODES, { error: 'delivery must be message, thread or forum' }),
  allowRepeats: z.boolean(),
  time,
  timeZone,
  size: z.number().int().min(1, { error: 'size must be 1–10' }).max(10, { error: 'size must be 1–10' }),
  topics: z
    .array(z.string().trim().min(1).max(100))
    .max(25, { error: 'at most 25 topics' })
    .transform((topics) => [...new Set(topics)]),
  minQuality: z.number().int().min(0).max(100, { error: 'minQuality must be 0–100' }).nullable(),
  mentionRoleId: snowflake('mentionRoleId').nullable(),
});

export const subscriptionSchema = z.object({
  userId: snowflake('userId'),
  topic: z.string().trim().min(1, { error: 'topic must not be empty' }).max(100),
  topicKey: z.string().trim().min(1, { error: 'topicKey must not be empty' }).max(100),
  time,
  timeZone,
  originChannelId: snowflake('originChannelId'),
});

export const voteSchema = z.object({
  guildId: snowflake('guildId'),
  userId: snowflake('userId'),
  articleId: z.string().min(1).max(200),
  vote: z.union([z.literal(1), z.literal(-1)]),
  topics: z.array(z.string().max(100)).max(50),
  provider: z.string().max(200),
  votedAt: z.number().int().nonnegative(),
});

export type ValidGuildDigest = z.output<typeof guildDigestSchema>;
export type ValidSubscription = z.output<typeof subscriptionSchema>;

/** Parses or throws one StoreValidationError naming every bad field. */
export function validate<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  what: string,
): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.join('.');
    return field && !issue.message.startsWith(field) ? `${field}: ${issue.message}` : issue.message;
  });
  throw new StoreValidationError(`Invalid ${what}: ${problems.join('; ')}`);
}
