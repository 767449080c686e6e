import { EventEmitter } from 'node:events';
import type { Clock } from './clock.ts';
import type { GatewayLogEntry, RecordedRequest, Violation } from './types.ts';

/**
 * Append-only logs of everything that crossed the wire, plus a change signal so waits can re-check their
 * condition instead of polling.
 */
export class Recorder {
  readonly requests: RecordedRequest[] = [];
  readonly violations: Violation[] = [];
  readonly gatewayLog: GatewayLogEntry[] = [];
  private readonly changes = new EventEmitter();
  private requestSeq = 0;

  constructor(
    private readonly clock: Clock,
    private readonly debug: boolean,
  ) {
    this.changes.setMaxListeners(0);
  }

  now(): number {
    return this.clock.now();
  }

  nextRequestSeq(): number {
    return ++this.requestSeq;
  }

  request(entry: RecordedRequest): void {
    this.requests.push(entry);
    if (this.debug) {
      process.stderr.write(`[emu rest] ${entry.method} ${entry.path} → ${entry.status}\n`);
    }
    this.changed();
  }

  violation(v: Omit<Violation, 'at'>): void {
    const entry: Violation = { ...v, at: this.clock.now() };
    this.violations.push(entry);
    if (this.debug) process.stderr.write(`[emu violation] ${entry.kind}: ${entry.reason}\n`);
    this.changed();
  }

  gateway(entry: Omit<GatewayLogEntry, 'at'>): void {
    this.gatewayLog.push({ ...entry, at: this.clock.now() });
    if (this.debug) {
      const arrow = entry.direction === 'send' ? '→' : '←';
      process.stderr.write(
        `[emu gw#${entry.connection}] ${arrow} op=${entry.op} t=${entry.t ?? '-'} s=${entry.s ?? '-'}\n`,
      );
    }
    this.changed();
  }

  /** Signals that some state changed; pending waits re-evaluate. */
  changed(): void {
    this.changes.emit('change');
  }

  /**
   * Resolves with the first truthy value `check` returns, re-checking on every change (and every 25 ms, for
   * time-based conditions). Rejects with `label` after `timeoutMs` of real time.
   */
  waitFor<T>(check: () => T | undefined | null | false, timeoutMs: number, label: string): Promise<T> {
    const first = check();
    if (first) return Promise.resolve(first);
    return new Promise<T>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        clearInterval(ticker);
        this.changes.off('change', onChange);
      };
      const onChange = () => {
        let value: T | undefined | null | false;
        try {
          value = check();
        } catch (error) {
          done();
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        if (value) {
          done();
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${label}`));
      }, timeoutMs);
      const ticker = setInterval(onChange, 25);
      this.changes.on('change', onChange);
    });
  }

  /**
   * Waits until `ready()` holds and then nothing changed `lastActivity()` for `quietMs` (real time).
   */
  async waitQuiet(
    ready: () => boolean,
    lastActivity: () => number,
    quietMs: number,
    timeoutMs: number,
    label: string,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await this.waitFor(() => ready(), timeoutMs, label);
    for (;;) {
      const mark = lastActivity();
      const wait = Math.min(quietMs, Math.max(0, deadline - Date.now()));
      await new Promise((r) => setTimeout(r, wait));
      if (lastActivity() === mark) return;
      if (Date.now() >= deadline)
        throw new Error(`Timed out after ${timeoutMs} ms waiting for ${label} to settle`);
    }
  }
}
