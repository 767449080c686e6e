/**
 * DATABASE_URL carries a password. Nothing Broadsheet prints may contain it: logs and errors name the
 * database as `host:port/database`, and any text that might echo the URL (a driver's message) is redacted.
 */

/** `host:port/database` of a postgres:// URL, without user or password; "(unparsable URL)" if it is not one. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const host = parsed.hostname || 'localhost';
    const port = parsed.port || '5432';
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || '(default database)';
    return `${host}:${port}/${database}`;
  } catch {
    return '(unparsable URL)';
  }
}

/** `text` with the URL's password (as written and decoded) and any URL's user:password part masked. */
export function redactSecrets(text: string, url?: string): string {
  let redacted = text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*):[^@\s]*@/gi, '$1:***@');
  const password = url ? passwordOf(url) : '';
  for (const form of new Set([password, safeDecode(password)])) {
    // Very short passwords would mask ordinary words; a 1–3 character password is not worth protecting.
    if (form.length >= 4) redacted = redacted.split(form).join('***');
  }
  return redacted;
}

/** An error safe to log or show: the same name, code and message, redacted; no driver internals. */
export function redactedError(error: unknown, url?: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  const safe = new Error(redactSecrets(message, url));
  if (error instanceof Error) safe.name = error.name;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') Object.assign(safe, { code });
  return safe;
}

function passwordOf(url: string): string {
  try {
    return new URL(url).password;
  } catch {
    return /^[^:]+:\/\/[^:/@]*:([^@]*)@/.exec(url)?.[1] ?? '';
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
