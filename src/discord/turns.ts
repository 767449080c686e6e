/**
 * Work that arrives in a burst takes turns on the event loop, one piece per loop iteration.
 *
 * A burst of gateway events arrives in one socket read, and discord.js emits every one of them before
 * the loop polls again: answered as they came, 200 interactions would all be computed before the first
 * answer left the process (each waiting for all the others). Released one per iteration, with the
 * loop's I/O phase in between, each answer is written as soon as it is ready.
 */
export class Turns {
  private readonly waiting: Array<() => void> = [];
  private scheduled = false;

  /** Resolves when it is this caller's turn; its synchronous work then runs before the next turn. */
  take(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // An immediate queued from an immediate runs on the next loop iteration, after its I/O phase.
    setImmediate(() => {
      this.scheduled = false;
      this.waiting.shift()?.();
      if (this.waiting.length) this.schedule();
    });
  }
}
