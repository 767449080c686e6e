import { describe, expect, it } from 'vitest';
import { warmUp } from '../src/discord/warmUp.ts';
import { Library } from '../src/search/library.ts';
import { makeArticles } from './support/articles.ts';
import { fixtureCorpus } from './support/bot.ts';

const library = Library.fromArticles(makeArticles(fixtureCorpus()));
const nextTurn = () => new Promise<boolean>((resolve) => setImmediate(() => resolve(true)));

describe('warming the answering code up', () => {
  it('GIVEN a library THEN it asks every kind of question about its articles, one per turn', async () => {
    let turns = 0;
    const report = await warmUp(library, () => {
      turns++;
      return nextTurn();
    });
    expect(report.questions).toBe(turns);
    // Related reading, three autocompletes, two searches and a topic list for most articles.
    expect(report.questions).toBeGreaterThan(library.size * 3);
  });

  it('GIVEN the bot stopping THEN it stops at the next turn', async () => {
    let turns = 0;
    const report = await warmUp(library, async () => ++turns < 4);
    expect(report.questions).toBe(3);
  });
});
