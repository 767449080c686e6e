import { topicKey } from '../articles/normalize.ts';
import { analyzeQuery, MAX_QUERY_CHARS, type QueryWord } from './analyzer.ts';
import { perCatalog, resolveTopic, type Catalog } from './catalog.ts';
import type { Notice } from './notices.ts';
import { clampLimit, clampOffset, countStories, pageOfStories } from './paging.ts';
import { DAY_MS } from './ranking.ts';
import { placementFactor, placementOf } from './placement.ts';
import { inferTopics, withTopicLifts } from './topicFeedback.ts';
import { popcount, topK, type WordPlan } from './scorer.ts';
import { fieldsOfTerm, termWordOf } from './segments.ts';
import { surfaceForm, writtenForm } from './surfaceWords.ts';
import { FIELDS } from './textIndex.ts';
import type { Period, Recommendation, ResultPage, SearchOptions } from './types.ts';

export const PERIOD_MS: Record<Exclude<Period, 'all'>, number> = {
  day: DAY_MS,
  week: 7 * DAY_MS,
  month: 30 * DAY_MS,
  year: 365 * DAY_MS,
};

/** Candidates ranked again by where their words stand: the first pages' worth, with much room. */
const PLACEMENT_POOL = 80;
/**
 * In the re-ranked pool the text score counts as score^0.4 beside the placement factor: the pool's
 * scores differ mostly by how often the words recur in the excerpt and body, which says little about
 * which of several articles with the same two title words was meant (tuned on bench/quality.ts's sets).
 */
const TEXT_EXPONENT = 0.4;

const isExclusion = (token: string) => /^-[\p{L}\p{N}]/u.test(token);

/**
 * Full-text search. Results matching every word rank first; `-word` leaves a word out; `word*` (or
 * `prefixLast`, for autocomplete) completes the last word; a query naming a topic also counts the articles
 * tagged with it.
 */
export function searchText(
  catalog: Catalog,
  query: string,
  options: SearchOptions,
  prefixLast: boolean,
): ResultPage {
  const limit = clampLimit(options.limit);
  const offset = clampOffset(options.offset);
  const now = options.now ?? Date.now();
  const tokens = query.slice(0, 2 * MAX_QUERY_CHARS).split(/\s+/);
  const excludedText = tokens.filter(isExclusion).join(' ');
  const includedText = tokens.filter((token) => !isExclusion(token)).join(' ');
  const allWords = analyzeQuery(includedText);
  if (allWords.length === 0) {
    return { results: [], total: 0, notices: [{ kind: excludedText ? 'only-exclusions' : 'empty-query' }] };
  }
  const notices: Notice[] = [];
  const topicFilter = options.topic ? resolveTopic(catalog, options.topic) : undefined;
  if (options.topic && !topicFilter) {
    return { results: [], total: 0, notices: [{ kind: 'unknown-topic', name: options.topic.trim() }] };
  }
  if (options.topic && topicFilter && !topicFilter.exact) {
    notices.push({ kind: 'topic-guessed', typed: options.topic.trim(), name: topicFilter.name });
  }
  const completeLast = prefixLast || /\*\s*$/.test(includedText);
  // Stop words only count when the query has nothing else ("The Who"): titles index them. One at the
  // end of a query was sent unfinished ("robotics for", meaning forum): it stands for its completions.
  const content = allWords.filter((word) => !word.stop);
  const last = allWords.at(-1)!;
  // (Too short to complete, it matches nothing and is dropped like a word the corpus lacks.)
  const unfinished = content.length > 0 && last.stop;
  const words = content.length ? (unfinished ? [...content, last] : content) : allWords;
  const allPlans = catalog.scorer.plan(words, catalog.vocabulary);
  // Words the corpus lacks entirely cannot be matched; they are named in the notice instead.
  const plans = allPlans.filter((plan) => plan.matches.length);
  const since = options.period && options.period !== 'all' ? now - PERIOD_MS[options.period] : null;
  const excluded = docsWithAny(catalog, analyzeQuery(excludedText));
  // A query that names a topic ("deep learning") also means the articles the curators tagged so.
  const namedKey = topicKey(includedText.replace(/\*\s*$/, ''));
  const namedTopic = catalog.topicIndex.get(namedKey);
  const { list, live } = catalog;
  const scratch = scratchFor(catalog);
  const { rankOf, inTopic } = scratch;
  const tagged = (doc: number) => inTopic[doc] === 1;

  const { docs, scores, masks } = catalog.scorer.run(plans);
  try {
    // Marked by doc number: asking each article's topic list costs ten times as much per doc.
    if (namedTopic) for (const doc of namedTopic.docs) inTopic[doc] = 1;
    // The scorer clears masks after each query, so a doc matched a word of this one iff its mask is set.
    const matched = (doc: number) => masks[doc] !== 0;
    const candidates = namedTopic ? [...docs, ...namedTopic.docs.filter((doc) => masks[doc] === 0)] : docs;
    let bestText = 0;
    for (const doc of docs) bestText = Math.max(bestText, scores[doc]!);
    const topicBonus = bestText * 0.5;
    const textOf = (doc: number) => (matched(doc) ? scores[doc]! : 0) + (tagged(doc) ? topicBonus : 0);
    // The unfinished stop word's completions only add to the text score: coverage counts the other words,
    // and an article matching nothing else is left out.
    const guessAt = unfinished ? plans.findIndex((plan) => plan.word === last) : -1;
    const guessBit = guessAt >= 0 ? 1 << guessAt : 0;
    const wanted = plans.length - (guessBit ? 1 : 0);
    const coverageOf = (doc: number) =>
      tagged(doc) ? wanted : matched(doc) ? popcount(masks[doc]! & ~guessBit) : 0;

    let acceptedCount = 0;
    let filteredOut = 0;
    let bestCoverage = 0;
    for (const doc of candidates) {
      if (!live[doc] || excluded.has(doc) || (guessBit && masks[doc] === guessBit && !tagged(doc))) continue;
      const article = list[doc]!;
      if (
        (topicFilter && !article.topicKeys.includes(topicFilter.key)) ||
        (since !== null && (article.publishedAt === null || article.publishedAt < since))
      ) {
        filteredOut++;
        continue;
      }
      scratch.accepted[acceptedCount++] = doc;
      bestCoverage = Math.max(bestCoverage, coverageOf(doc));
    }
    const accepted = scratch.accepted.subarray(0, acceptedCount);
    // Articles carrying the topics the best matches are about count more (see topicFeedback.ts).
    const about = namedTopic
      ? new Map<string, number>()
      : inferTopics(
          catalog,
          accepted,
          textOf,
          words.map((word) => word.stem),
        );
    // Each accepted doc's score is computed once: at 100k matches (a stop-word query) the passes below
    // would otherwise recompute heat, freshness and topic factors several times over.
    const { scoreOf } = scratch;
    const { signals, maxHeat } = catalog;
    const poolIndices = withTopicLifts(catalog, about, (lifts) => {
      accepted.forEach((doc, i) => {
        const score = signals.score(textOf(doc), doc, now, maxHeat) * (1 + (lifts ? lifts[doc]! : 0));
        scoreOf[i] = score;
        // Results that match every word come first; a partial match only fills in after them.
        rankOf[doc] = coverageOf(doc) * 1e6 + Math.min(score, 9e5);
      });
      // The best of them are ranked again by where the words stand (see placement.ts), above the rest of
      // their coverage: nothing outside the pool overtakes what is in it. In the order they were accepted,
      // so equal ranks fall the same way whichever list is paged.
      const indices = topK(accepted.keys(), PLACEMENT_POOL + offset, (i) => rankOf[accepted[i]!]!).sort(
        (a, b) => a - b,
      );
      for (const i of indices) {
        const doc = accepted[i]!;
        const factor = matched(doc) ? placementFactor(placementOf(list[doc]!, plans)) : 1;
        const coverage = coverageOf(doc);
        // Where placement says little of which article was meant (it lacks a word, or the query is one
        // word), the topic lift counts in full again, not damped with the text score.
        const topical =
          lifts && (wanted === 1 || coverage < wanted) ? Math.pow(1 + lifts[doc]!, 1 - TEXT_EXPONENT) : 1;
        const text = Math.pow(scoreOf[i]!, TEXT_EXPONENT) * factor * topical;
        rankOf[doc] = coverage * 1e6 + 1e3 + Math.min(text, 8e5);
      }
      return indices;
    });
    const pool = poolIndices.map((i) => accepted[i]!);
    const rank = (doc: number) => rankOf[doc]!;
    let page = pageOfStories(catalog, pool, offset, limit, rank);
    if (page.length < limit && pool.length < accepted.length) {
      // The pool held too few distinct stories: the rest follow in their text order.
      const inPool = new Set(poolIndices);
      accepted.forEach((doc, i) => {
        if (!inPool.has(i)) rankOf[doc] = coverageOf(doc) * 1e6 + Math.min(scoreOf[i]!, 9e5) / 1e3;
      });
      page = pageOfStories(catalog, accepted, offset, limit, rank);
    }
    const results: Recommendation[] = page.map((doc) => ({
      kind: 'article',
      article: list[doc]!,
      why: explainMatch(
        catalog,
        doc,
        plans,
        matched(doc) ? masks[doc]! : 0,
        topicFilter?.name ?? (tagged(doc) ? namedTopic!.name : undefined),
        completeLast ? words.at(-1) : undefined,
      ),
      score: rank(doc),
    }));
    if (!accepted.length && filteredOut) {
      notices.push({
        kind: 'filtered-out',
        count: filteredOut,
        query: includedText.trim(),
        ...(since !== null && { period: options.period }),
        ...(topicFilter && { topic: topicFilter.name }),
      });
    } else if (!accepted.length) {
      notices.push({ kind: 'no-match', query: query.trim() });
    } else {
      // A stop word read as unfinished is a guess: when nothing completes it, nothing is missing or partial.
      const missing = allPlans
        .filter((plan) => !plan.matches.length && !(unfinished && plan.word === last))
        .map((plan) => plan.word.raw);
      if (missing.length) notices.push({ kind: 'missing-words', words: missing });
      else if (wanted > bestCoverage) notices.push({ kind: 'partial-match' });
    }
    return { results, total: countStories(catalog, accepted), notices };
  } finally {
    if (namedTopic) for (const doc of namedTopic.docs) inTopic[doc] = 0;
    catalog.scorer.reset(docs);
  }
}

/**
 * Per catalog, made on its first query: by doc number a rank and a mark for the named topic's docs; the
 * accepted docs and their scores, by position. Valid for the query being answered (queries never overlap;
 * the marks are cleared after each). Fresh arrays per query were up to 1.6 MiB at 100k docs (a stop-word
 * query accepts every doc), garbage for the collector to pay for during later queries.
 */
const scratchFor = perCatalog((catalog) => ({
  rankOf: new Float64Array(catalog.docCount),
  inTopic: new Uint8Array(catalog.docCount),
  accepted: new Uint32Array(catalog.docCount),
  scoreOf: new Float64Array(catalog.docCount),
}));

/** Live or not, every doc containing any of `words` exactly (for `-word` exclusions). */
function docsWithAny(catalog: Catalog, words: QueryWord[]): Set<number> {
  const found = new Set<number>();
  for (const word of words) {
    const term = catalog.vocabulary.has(word.stem) ? word.stem : word.raw;
    for (const { index, docBase, termIds } of catalog.segments) {
      const id = termIds.get(term);
      if (id === undefined) continue;
      const { postingStart, postingDocs } = index;
      for (let p = postingStart[id]!; p < postingStart[id + 1]!; p++) found.add(docBase + postingDocs[p]!);
    }
  }
  return found;
}

function quoted(text: string): string {
  const short = text.length > 60 ? text.slice(0, 59) + '…' : text;
  return `“${short}”`;
}

/** "title matches deep, learning · “machne” read as “machine” · in Machine Learning" (completions too). */
function explainMatch(
  catalog: Catalog,
  doc: number,
  plans: WordPlan[],
  mask: number,
  topicName: string | undefined,
  asked: QueryWord | undefined,
): string {
  const inTitle: string[] = [];
  const elsewhere: string[] = [];
  const guesses: string[] = [];
  plans.forEach((plan, j) => {
    if (!(mask & (1 << j))) return;
    for (const match of plan.matches) {
      const fields = fieldsOfTerm(catalog.segments, match.term, doc);
      if (!fields) continue;
      // An exact match is named as the user typed it; a completion or a typo guess as the article spells
      // it ("learning" for the stem learn, not the corpus's first spelling of it, "learned").
      const article = catalog.list[doc]!;
      const texts = [article.title, article.excerpt];
      const word =
        match.kind === 'exact'
          ? surfaceForm(plan.word.raw, [])
          : (writtenForm(match.term, texts) ?? surfaceForm(termWordOf(catalog.segments, match.term), texts));
      // A completion is said unless it was asked for (autocomplete, `word*`).
      if (match.kind === 'typo' || (match.kind === 'prefix' && plan.word !== asked))
        guesses.push(`${quoted(surfaceForm(plan.word.raw, []))} read as ${quoted(word)}`);
      if (fields & (1 << FIELDS.indexOf('title'))) inTitle.push(word);
      else elsewhere.push(word);
      break;
    }
  });
  const parts: string[] = [];
  if (inTitle.length) parts.push(`title matches ${inTitle.join(', ')}`);
  if (elsewhere.length) parts.push(`mentions ${elsewhere.join(', ')}`);
  parts.push(...guesses);
  if (topicName) parts.push(`in ${topicName}`);
  return parts.join(' · ') || 'matches your words';
}
