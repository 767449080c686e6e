import { z } from 'zod';

/** Caps that keep one odd file from costing memory or time; far above anything in a real corpus. */
export const LIMITS = {
  title: 1_000,
  excerpt: 10_000,
  body: 200_000,
  topics: 50,
  topic: 100,
  images: 20,
  related: 200,
  url: 2_048,
} as const;

/** YAML parses unquoted timestamps to Date; quoted ones stay strings. Accept both. */
const instant = z.union([z.date(), z.string(), z.number()]).transform((value, ctx) => {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: `is not a date: ${JSON.stringify(String(value)).slice(0, 60)}` });
    return z.NEVER;
  }
  return ms;
});

const finiteNumber = z
  .union([z.number(), z.string().max(40)])
  .transform(Number)
  .refine(Number.isFinite, 'is not a number');

/**
 * A scalar written as text. Deliberately not `z.coerce.string()`: String() of a YAML alias bomb
 * (a list that references itself nine levels deep) would expand it exponentially.
 */
const scalarText = (max: number) =>
  z
    .union([z.string(), z.number(), z.boolean()])
    .transform((value) => String(value))
    .pipe(z.string().max(max, `is longer than ${max} characters`));

const provider = z.object({
  name: scalarText(200).optional(),
  domain: scalarText(200).optional(),
});

const image = z.object({
  url: z.string().max(LIMITS.url),
  width: finiteNumber.optional(),
  height: finiteNumber.optional(),
});

const relatedEntry = z.object({
  title: scalarText(LIMITS.title),
  webUrl: z.string().max(LIMITS.url),
  excerpt: scalarText(LIMITS.excerpt).optional(),
  publishedDateTime: instant.optional(),
  provider: provider.optional(),
});

/**
 * Front matter as ../shared/corpus/README.md describes it. Unknown fields (and `secured`) are ignored.
 * Lists whose entries are individually optional (images, related) are validated entry by entry
 * by the loader, so one bad related link does not cost the article.
 */
export const frontMatterSchema = z.object({
  title: scalarText(LIMITS.title).pipe(z.string().trim().min(1, 'is empty')),
  excerpt: scalarText(LIMITS.excerpt).optional(),
  publishedDateTime: instant.optional(),
  webUrl: z.string().max(LIMITS.url).optional(),
  originalUrl: z.string().max(LIMITS.url).optional(),
  ampWebUrl: z.string().max(LIMITS.url).optional(),
  type: scalarText(50).optional(),
  category: scalarText(100).optional(),
  quality: finiteNumber.optional(),
  heat: finiteNumber.optional(),
  published: z.boolean().optional(),
  provider: provider.optional(),
  topics: z
    .array(scalarText(LIMITS.topic))
    .max(LIMITS.topics, `has more than ${LIMITS.topics} topics`)
    .optional(),
  images: z.array(z.unknown()).max(1_000).optional(),
  related: z.array(z.unknown()).max(10_000).optional(),
});

export type FrontMatter = z.infer<typeof frontMatterSchema>;
export const imageSchema = image;
export const relatedEntrySchema = relatedEntry;
