import type { IncomingMessage, ServerResponse } from 'node:http';
import { DiscordErrors } from './errors.ts';
import type { FileMeta } from './types.ts';

export interface UploadedFile extends FileMeta {
  data: Buffer;
}

export interface ParsedBody {
  /** JSON body, or the parsed `payload_json` of a multipart body; undefined when there is none. */
  body: unknown;
  files: UploadedFile[];
  contentType: string | undefined;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;

export async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > MAX_BODY_BYTES)
      throw DiscordErrors.entityTooLarge(`request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/**
 * Parses JSON bodies and `multipart/form-data` (discord.js sends files as `files[n]` plus `payload_json`).
 * Multipart parsing uses the platform's `Request.formData()`.
 */
export async function parseBody(req: IncomingMessage): Promise<ParsedBody> {
  const contentType = req.headers['content-type'];
  const raw = await readRaw(req);
  if (raw.length === 0) return { body: undefined, files: [], contentType };
  if (contentType?.startsWith('multipart/form-data')) {
    const form = await new Request('http://emulator.local/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: raw,
    }).formData();
    let body: unknown = undefined;
    const files: UploadedFile[] = [];
    const fields: Record<string, string> = {};
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') body = parseJson(value);
        else fields[field] = value;
      } else {
        const data = Buffer.from(await value.arrayBuffer());
        files.push({
          field,
          filename: value.name,
          size: data.length,
          contentType: value.type || 'application/octet-stream',
          data,
        });
      }
    }
    if (body === undefined && Object.keys(fields).length > 0) body = fields;
    return { body, files, contentType };
  }
  return { body: parseJson(raw.toString('utf8')), files: [], contentType };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw DiscordErrors.invalidJson();
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (status === 204 || body === undefined) {
    res.writeHead(status === 200 && body === undefined ? 204 : status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

// ---------------------------------------------------------------------------------------------------------
// Minimal router over Discord-style route templates (`/channels/:channel_id/messages`).

export interface RouteMatch<H> {
  route: string;
  params: Record<string, string>;
  handler: H;
  /** Whether a bot token is required (interaction callbacks and webhook-token routes are unauthenticated). */
  auth: boolean;
}

interface RouteEntry<H> {
  method: string;
  template: string;
  regex: RegExp;
  keys: string[];
  handler: H;
  auth: boolean;
}

export class Router<H> {
  private readonly routes: RouteEntry<H>[] = [];

  add(method: string, template: string, handler: H, { auth = true }: { auth?: boolean } = {}): this {
    const keys: string[] = [];
    const pattern = template
      .split('/')
      .map((part) => {
        if (part.startsWith(':')) {
          keys.push(part.slice(1));
          return '([^/]+)';
        }
        return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.routes.push({ method, template, regex: new RegExp(`^${pattern}$`), keys, handler, auth });
    return this;
  }

  /** `undefined` for an unknown path; `'method'` when the path exists with another method. */
  match(method: string, path: string): RouteMatch<H> | 'method' | undefined {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.regex.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== method) continue;
      const params: Record<string, string> = {};
      r.keys.forEach((k, i) => {
        params[k] = decodeURIComponent(m[i + 1] ?? '');
      });
      return { route: r.template, params, handler: r.handler, auth: r.auth };
    }
    return pathMatched ? 'method' : undefined;
  }
}
