/** Small measuring helpers shared by the benchmark and the quality evaluation. */

/** High-resolution clock in milliseconds. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Runs `fn` once and returns its result with the elapsed milliseconds. */
export function timeSync<T>(fn: () => T): { value: T; ms: number } {
  const start = nowMs();
  const value = fn();
  return { value, ms: nowMs() - start };
}

export async function timeAsync<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = nowMs();
  const value = await fn();
  return { value, ms: nowMs() - start };
}

/** Nearest-rank percentile (p in 0..100) of an unsorted sample; NaN for an empty sample. */
export function percentile(sample: readonly number[], p: number): number {
  if (sample.length === 0) return Number.NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export interface LatencySummary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(sample: readonly number[]): LatencySummary {
  return {
    n: sample.length,
    p50: percentile(sample, 50),
    p99: percentile(sample, 99),
    max: sample.length === 0 ? Number.NaN : Math.max(...sample),
  };
}

/**
 * Measures the longest event-loop stall with a setInterval probe: the largest gap between two ticks minus
 * the interval. A synchronous call shows up as one stall of its whole length, which is the point.
 * Call `await probe.settle()` after the measured work so the tick that ends the stall gets to run.
 */
export class StallProbe {
  private last = nowMs();
  private worst = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly intervalMs = 5) {
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref(); // never keeps a process alive on its own
  }

  private tick(): void {
    const t = nowMs();
    this.worst = Math.max(this.worst, t - this.last - this.intervalMs);
    this.last = t;
  }

  /** Lets pending timer ticks run so a stall that just ended is recorded. */
  async settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.intervalMs * 3));
  }

  /** Longest stall seen so far (ms), and starts a new window. */
  takeMax(): number {
    const worst = Math.max(0, this.worst);
    this.worst = 0;
    return worst;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Peak resident set size of this process so far, in MiB (`maxRSS` is in KiB). */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Lets the event loop run once (for probes and GC between phases). */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// ---------- formatting ----------

export function fmtMs(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return '—';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  if (ms >= 0.1) return `${ms.toFixed(2)} ms`;
  return `${ms.toFixed(3)} ms`;
}

export function fmtMiB(mib: number | undefined): string {
  if (mib === undefined || Number.isNaN(mib)) return '—';
  return mib >= 1024 ? `${(mib / 1024).toFixed(2)} GiB` : `${mib.toFixed(0)} MiB`;
}

export function fmtRatio(x: number | undefined, digits = 3): string {
  return x === undefined || Number.isNaN(x) ? '—' : x.toFixed(digits);
}

/** Renders a plain-text table with a header row; the first column is left-aligned, the others right-aligned. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}
