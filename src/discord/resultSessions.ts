import { randomBytes } from 'node:crypto';
import type { Recommendation } from '../search/types.ts';

/** A result list behind a message's ◀ ▶ buttons. */
export interface ResultSession {
  title: string;
  /** Notices already worded as Discord markdown. */
  notices: string[];
  results: Recommendation[];
  createdAt: number;
}

/**
 * Result lists kept for paging. Buttons must work for at least 15 minutes; we keep lists 30 minutes
 * and at most `capacity` of them (oldest dropped first), so memory stays bounded under any load.
 * A restart forgets them: the button then answers that the list expired.
 */
export class ResultSessions {
  private readonly sessions = new Map<string, ResultSession>();

  constructor(
    private readonly ttlMs = 30 * 60_000,
    private readonly capacity = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  save(session: Omit<ResultSession, 'createdAt'>): string {
    const id = randomBytes(6).toString('base64url');
    this.sessions.set(id, { ...session, createdAt: this.now() });
    while (this.sessions.size > this.capacity) this.sessions.delete(this.sessions.keys().next().value!);
    return id;
  }

  get(id: string): ResultSession | undefined {
    const session = this.sessions.get(id);
    if (session && this.now() - session.createdAt > this.ttlMs) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }
}
