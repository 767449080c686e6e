import { describe, expect, it } from 'vitest';
import { parseCommandLine, tokenize } from '../src/local/commandLine.ts';
import { closestCommand } from '../src/local/localCommands.ts';

describe('terminal command line', () => {
  it('GIVEN an apostrophe inside a word THEN it is a letter and the flags after it stay flags', () => {
    const line = parseCommandLine(tokenize("search alzheimer's disease --limit 2"))!;
    expect(line.words).toEqual(["alzheimer's", 'disease']);
    expect(line.flags.get('limit')).toBe('2');
  });

  it('GIVEN quotes around words THEN they group them, as in a shell', () => {
    expect(tokenize('search "deep learning" --topic \'Machine Learning\'')).toEqual([
      'search',
      'deep learning',
      '--topic',
      'Machine Learning',
    ]);
  });

  it('GIVEN a quote that never closes THEN it is an ordinary character', () => {
    expect(tokenize("search 'self-driving cars --limit 3")).toEqual([
      'search',
      "'self-driving",
      'cars',
      '--limit',
      '3',
    ]);
    expect(tokenize('search "ab"cd ef')).toEqual(['search', '"ab"cd', 'ef']);
  });

  it('GIVEN a slip of the keyboard THEN the closest command is suggested, and none for real words', () => {
    expect(closestCommand('serch')).toBe('search');
    expect(closestCommand('tpoic')).toBe('topic');
    expect(closestCommand('trnding')).toBe('trending');
    expect(closestCommand('quantum')).toBeUndefined();
    expect(closestCommand('ai')).toBeUndefined();
  });
});
