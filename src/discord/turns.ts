/**
 * Work that arrives in a burst takes turns on the event loop, one piece per loop iteration.
 *
 * A burst of gateway events arrives in one socket read, and discord.js emits every one of them before
 * the loop polls again: answered as they came, 200 interactions would all be computed before the first
 * answer left the process (each waiting for all the others). Released one per iteration, with the
 * loop's I/O phase in between, each answer is written as soon as it is ready.
 *
 * Urgent pieces (autocomplete: Discord drops a late answer, and typing goes on) go before the others,
 * and idle ones (warming up) only when nothing else waits; each group in order of arrival. The time
 * between turns is tracked, so a caller can tell how long a newcomer would wait and acknowledge it
 * first when that is too long.
 */
export type TurnPriority = 'urgent' | 'normal' | 'idle';

export class Turns {
  private readonly urgent: Array<() => void> = [];
  private readonly normal: Array<() => void> = [];
  private readonly idle: Array<() => void> = [];
  private scheduled = false;
  private lastTurnAt = 0;
  /**
   * A moving average of the time one turn takes (its work and the I/O after it), in ms. It starts at a
   * search's typical cost, so the first burst after a quiet spell is judged before any turn was timed.
   */
  private turnMs = 5;

  /** Resolves when it is this caller's turn; its synchronous work then runs before the next turn. */
  take(priority: TurnPriority = 'normal'): Promise<void> {
    return new Promise((resolve) => {
      this[priority].push(resolve);
      this.schedule();
    });
  }

  /** Pieces waiting for their turn, idle ones left out. */
  get waiting(): number {
    return this.urgent.length + this.normal.length;
  }

  /** How long a piece arriving now would wait for its turn, from the recent time per turn. */
  expectedWaitMs(priority: 'urgent' | 'normal' = 'normal'): number {
    return (priority === 'urgent' ? this.urgent.length : this.waiting) * this.turnMs;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // An immediate queued from an immediate runs on the next loop iteration, after its I/O phase.
    setImmediate(() => {
      this.scheduled = false;
      const now = performance.now();
      // Only back-to-back turns of real work time a turn: not the first after a pause, nor warming up.
      if (this.lastTurnAt > 0) this.turnMs = this.turnMs * 0.8 + (now - this.lastTurnAt) * 0.2;
      const next = this.urgent.shift() ?? this.normal.shift();
      if (next) next();
      else this.idle.shift()?.();
      this.lastTurnAt = next && this.waiting ? now : 0;
      if (this.waiting || this.idle.length) this.schedule();
    });
  }
}
