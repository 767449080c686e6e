import { describe, expect, it } from 'vitest';
import { RecentAnswers } from '../src/search/recentAnswers.ts';

describe('recent answers', () => {
  it('GIVEN the same question twice THEN it is answered once, until the answer is too old', () => {
    let now = 0;
    const answers = new RecentAnswers<number>(10, 1_000, () => now);
    let computed = 0;
    const ask = () => answers.get('ma', () => ++computed);
    expect([ask(), ask()]).toEqual([1, 1]);
    now = 999;
    expect(ask()).toBe(1);
    now = 1_000;
    expect(ask()).toBe(2);
  });

  it('GIVEN more questions than it keeps THEN the least recently asked goes first', () => {
    const answers = new RecentAnswers<string>(2, 60_000, () => 0);
    const computed: string[] = [];
    const ask = (key: string) => answers.get(key, () => (computed.push(key), key));
    ask('a');
    ask('b');
    ask('a'); // a is now the most recent
    ask('c'); // b goes
    ask('a');
    ask('b');
    expect(computed).toEqual(['a', 'b', 'c', 'b']);
  });
});
