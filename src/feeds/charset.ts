import { TextDecoder } from 'node:util';

/**
 * Bytes → text before any parsing, with the charset the feed gives: a byte-order mark first, then the
 * HTTP `Content-Type` charset, then the XML declaration's `encoding`, then UTF-8. Node's TextDecoder
 * (full ICU) knows the labels feeds use: iso-8859-1, windows-1252, gb2312/gbk, big5, shift_jis, koi8-r…
 * A declared charset that the bytes contradict (invalid UTF-8 labelled utf-8) falls through to the next
 * candidate, and as a last resort windows-1252, which decodes any byte; each such guess is reported.
 */
export interface DecodedText {
  text: string;
  /** The WHATWG name of the encoding used (`gbk` for a gb2312 label, `windows-1252` for latin-1). */
  encoding: string;
  /** Set when the declared charset was missing, unknown or wrong and another one was used. */
  warning?: string;
}

const BOMS: readonly [readonly number[], string][] = [
  [[0xef, 0xbb, 0xbf], 'utf-8'],
  [[0xff, 0xfe], 'utf-16le'],
  [[0xfe, 0xff], 'utf-16be'],
];

function bomEncoding(bytes: Uint8Array): string | null {
  for (const [mark, encoding] of BOMS) {
    if (mark.every((byte, i) => bytes[i] === byte)) return encoding;
  }
  return null;
}

/** `text/xml; charset="ISO-8859-1"` → `ISO-8859-1`. */
export function charsetOfContentType(contentType: string | null | undefined): string | null {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return match?.[1] ?? null;
}

/**
 * The `encoding` pseudo-attribute of an XML declaration, read from the first bytes as ASCII (every
 * charset a feed may use is ASCII-compatible there; UTF-16 is caught by its byte-order mark).
 */
function xmlDeclarationEncoding(bytes: Uint8Array): string | null {
  const head = Buffer.from(bytes.subarray(0, 256)).toString('latin1');
  const match = /^\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(head);
  return match?.[1] ?? null;
}

function decoderFor(label: string): TextDecoder | null {
  try {
    return new TextDecoder(label, { fatal: true });
  } catch {
    return null;
  }
}

export function decodeFeedBytes(bytes: Uint8Array, contentType?: string | null): DecodedText {
  const bom = bomEncoding(bytes);
  const declared = [
    { label: bom, source: 'byte-order mark' },
    { label: charsetOfContentType(contentType), source: 'HTTP Content-Type' },
    { label: xmlDeclarationEncoding(bytes), source: 'XML declaration' },
  ].filter((candidate): candidate is { label: string; source: string } => candidate.label !== null);
  const notes: string[] = [];
  for (const candidate of [...declared, { label: 'utf-8', source: 'default' }]) {
    const decoder = decoderFor(candidate.label);
    if (!decoder) {
      notes.push(`unknown charset ${JSON.stringify(candidate.label)} (${candidate.source})`);
      continue;
    }
    try {
      const text = decoder.decode(bytes);
      return { text, encoding: decoder.encoding, ...(notes.length ? { warning: notes.join('; ') } : {}) };
    } catch {
      notes.push(`not valid ${decoder.encoding} (${candidate.source})`);
    }
  }
  notes.push('read as windows-1252');
  return {
    text: new TextDecoder('windows-1252').decode(bytes),
    encoding: 'windows-1252',
    warning: notes.join('; '),
  };
}
