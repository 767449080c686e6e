/**
 * The answers a library gave recently, by question, for questions many people ask at once: everyone
 * typing a title starts with the same few letters, so autocomplete asks "a", "ma", "mac" over and over.
 * A library never changes (a reload makes a new one), so an answer stays right for its library's life;
 * it is kept a short while only because rankings lean on freshness, which moves with the clock.
 */
export class RecentAnswers<T> {
  private readonly answers = new Map<string, { value: T; at: number }>();

  constructor(
    private readonly capacity = 1_000,
    private readonly maxAgeMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The answer to `key`, computed by `answer` when none is kept or the kept one is too old. */
  get(key: string, answer: () => T): T {
    const now = this.now();
    const kept = this.answers.get(key);
    if (kept && now - kept.at < this.maxAgeMs) {
      // Refreshed as the most recently used: a Map iterates in insertion order, oldest first.
      this.answers.delete(key);
      this.answers.set(key, kept);
      return kept.value;
    }
    const value = answer();
    this.answers.delete(key);
    this.answers.set(key, { value, at: now });
    if (this.answers.size > this.capacity) {
      const oldest = this.answers.keys().next().value;
      if (oldest !== undefined) this.answers.delete(oldest);
    }
    return value;
  }
}
