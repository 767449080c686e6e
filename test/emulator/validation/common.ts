/** One entry of a Discord "Invalid Form Body" (50035) error, addressed by its JSON path. */
export interface Issue {
  path: Array<string | number>;
  code: string;
  message: string;
}

export type JsonObject = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Discord counts characters (code points), not UTF-16 units. */
export function charLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

export const messages = {
  required: 'This field is required',
  maxLength: (max: number) => `Must be ${max} or fewer in length.`,
  between: (min: number, max: number) => `Must be between ${min} and ${max} in length.`,
  string: 'Could not interpret value as string.',
  integer: 'Value is not int.',
  boolean: 'Must be either true or false.',
  array: 'Not a list.',
  object: 'Only dictionaries may be used in a ModelType',
};

/** Collects issues while walking an untrusted JSON body. */
export class Issues {
  readonly list: Issue[] = [];

  add(path: Array<string | number>, code: string, message: string): void {
    this.list.push({ path: [...path], code, message });
  }

  get ok(): boolean {
    return this.list.length === 0;
  }

  /** Optional string with a maximum length; `null` is accepted when `nullable`. Returns the string if valid. */
  optionalString(
    path: Array<string | number>,
    value: unknown,
    max: number,
    { nullable = true, min = 0 }: { nullable?: boolean; min?: number } = {},
  ): string | undefined {
    if (value === undefined || (nullable && value === null)) return undefined;
    return this.string(path, value, min, max);
  }

  /** Required string between min and max characters. */
  requiredString(path: Array<string | number>, value: unknown, min: number, max: number): string | undefined {
    if (value === undefined || value === null || value === '') {
      if (min > 0) {
        this.add(path, 'BASE_TYPE_REQUIRED', messages.required);
        return undefined;
      }
    }
    return this.string(path, value ?? '', min, max);
  }

  private string(path: Array<string | number>, value: unknown, min: number, max: number): string | undefined {
    if (typeof value !== 'string') {
      this.add(path, 'STRING_TYPE_CONVERT', messages.string);
      return undefined;
    }
    const len = charLength(value);
    if (min > 0 && (len < min || len > max)) {
      this.add(path, 'BASE_TYPE_BAD_LENGTH', messages.between(min, max));
      return undefined;
    }
    if (len > max) {
      this.add(path, 'BASE_TYPE_MAX_LENGTH', messages.maxLength(max));
      return undefined;
    }
    return value;
  }

  /** Optional array with a maximum number of items. Returns the array if it is one. */
  optionalArray(path: Array<string | number>, value: unknown, max: number, min = 0): unknown[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) {
      this.add(path, 'LIST_TYPE_CONVERT', messages.array);
      return undefined;
    }
    if (min > 0 && (value.length < min || value.length > max)) {
      this.add(path, 'BASE_TYPE_BAD_LENGTH', messages.between(min, max));
    } else if (value.length > max) {
      this.add(path, 'BASE_TYPE_MAX_LENGTH', messages.maxLength(max));
    }
    return value;
  }

  optionalBoolean(path: Array<string | number>, value: unknown): void {
    if (value !== undefined && value !== null && typeof value !== 'boolean') {
      this.add(path, 'BASE_TYPE_BOOLEAN', messages.boolean);
    }
  }

  optionalInteger(
    path: Array<string | number>,
    value: unknown,
    min: number,
    max: number,
  ): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      this.add(path, 'NUMBER_TYPE_COERCE', messages.integer);
      return undefined;
    }
    if (value < min) {
      this.add(path, 'NUMBER_TYPE_MIN', `int value should be greater than or equal to ${min}.`);
      return undefined;
    }
    if (value > max) {
      this.add(path, 'NUMBER_TYPE_MAX', `int value should be less than or equal to ${max}.`);
      return undefined;
    }
    return value;
  }

  object(path: Array<string | number>, value: unknown): JsonObject | undefined {
    if (!isRecord(value)) {
      this.add(path, 'MODEL_TYPE_CONVERT', messages.object);
      return undefined;
    }
    return value;
  }
}

/** Builds Discord's nested error tree: `{ embeds: { 0: { title: { _errors: [{ code, message }] } } } }`. */
export function errorTree(issues: readonly Issue[]): JsonObject {
  const root: JsonObject = {};
  for (const issue of issues) {
    let node = root;
    for (const key of issue.path) {
      const k = String(key);
      const next = node[k];
      if (isRecord(next)) {
        node = next;
      } else {
        const created: JsonObject = {};
        node[k] = created;
        node = created;
      }
    }
    const existing = node._errors;
    const entry = { code: issue.code, message: issue.message };
    if (Array.isArray(existing)) existing.push(entry);
    else node._errors = [entry];
  }
  return root;
}

/** `embeds.0.title: Must be 256 or fewer in length.` — one line per issue, for violation reasons. */
export function describeIssues(issues: readonly Issue[]): string {
  return issues
    .map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message} [${i.code}]`)
    .join('; ');
}

export type UrlKind = 'link' | 'image';

/**
 * Validates an URL field like Discord: well formed, http(s) scheme (images may also use `attachment://`), at
 * most 2048 characters.
 */
export function checkUrl(issues: Issues, path: Array<string | number>, value: unknown, kind: UrlKind): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'string') {
    issues.add(path, 'STRING_TYPE_CONVERT', messages.string);
    return;
  }
  if (charLength(value) > 2048) {
    issues.add(path, 'BASE_TYPE_MAX_LENGTH', messages.maxLength(2048));
    return;
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    issues.add(path, 'URL_TYPE_INVALID_URL', 'Not a well formed URL.');
    return;
  }
  const scheme = parsed.protocol.replace(/:$/, '');
  const allowed = kind === 'image' ? ['http', 'https', 'attachment'] : ['http', 'https'];
  if (!allowed.includes(scheme)) {
    issues.add(
      path,
      'URL_TYPE_INVALID_SCHEME',
      `Scheme "${scheme}" is not supported. Scheme must be one of (${allowed.map((s) => `'${s}'`).join(', ')}).`,
    );
  }
}
