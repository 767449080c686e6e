// eslint-disable-next-line no-control-regex -- ANSI colour codes take no room on screen
const ANSI = /\x1b\[[0-9;]*m/g;

const visibleLength = (text: string) => [...text.replace(ANSI, '')].length;

/**
 * Wraps one line to `width` columns at spaces, continuing with the line's own indent. A word longer
 * than the line (a URL) is never cut: it gets a line of its own.
 */
export function wrapLine(line: string, width: number | null): string {
  if (width === null || visibleLength(line) <= width) return line;
  const indent = /^ */.exec(line)![0];
  const words = line.slice(indent.length).split(/ +/);
  const lines: string[] = [];
  let current = indent;
  for (const word of words) {
    const candidate = current.trim() ? `${current} ${word}` : `${indent}${word}`;
    if (visibleLength(candidate) > width && current.trim()) {
      lines.push(current);
      current = `${indent}${word}`;
    } else {
      current = candidate;
    }
  }
  lines.push(current);
  return lines.join('\n');
}

export function wrapText(text: string, width: number | null): string {
  return width === null
    ? text
    : text
        .split('\n')
        .map((line) => wrapLine(line, width))
        .join('\n');
}
