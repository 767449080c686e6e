/** What the crash test and its child process must agree on: the corpus and when digests are due. */
import { makeCorpus } from './corpus.ts';

/** 09:00 Europe/Berlin (CEST) on June `day`, 2025. */
export const crashDueAt = (day: number) => Date.UTC(2025, 5, day, 7, 0);

export const crashCorpus = makeCorpus({ start: Date.UTC(2025, 4, 25), count: 24 * 40 });
