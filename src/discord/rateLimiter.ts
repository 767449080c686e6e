/**
 * At most `limit` events per key in any `windowMs`. `refusedBefore` lets callers warn a user once per
 * window instead of answering every refused message (which would itself be spam).
 */
export class RateLimiter {
  private readonly events = new Map<string, { times: number[]; warned: boolean }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string): { allowed: true } | { allowed: false; retryAfterMs: number; firstRefusal: boolean } {
    const now = this.now();
    let entry = this.events.get(key);
    if (!entry) this.events.set(key, (entry = { times: [], warned: false }));
    entry.times = entry.times.filter((time) => now - time < this.windowMs);
    if (entry.times.length < this.limit) {
      entry.times.push(now);
      entry.warned = false;
      this.prune(now);
      return { allowed: true };
    }
    const firstRefusal = !entry.warned;
    entry.warned = true;
    return { allowed: false, retryAfterMs: this.windowMs - (now - entry.times[0]!), firstRefusal };
  }

  /** Forget idle keys so memory stays bounded however many users write. */
  private prune(now: number): void {
    if (this.events.size < 10_000) return;
    for (const [key, entry] of this.events) {
      if (entry.times.every((time) => now - time >= this.windowMs)) this.events.delete(key);
    }
  }
}
