import { parentPort, workerData } from 'node:worker_threads';
import type { Article } from '../articles/article.ts';
import { CorpusState, type CorpusChanges } from '../articles/corpusChanges.ts';
import { averageFieldLengths, buildFreshSegment, type BaseStatistics } from './freshSegment.ts';
import {
  ARTICLES_PER_MESSAGE,
  articleForWire,
  indexToWire,
  type FromWorker,
  type ToWorker,
  type WorkerSettings,
} from './reloadProtocol.ts';

/**
 * The reload worker: everything a corpus change costs besides swapping the result in. It keeps the
 * corpus folder's state (which file gave which article), reads only changed files, keeps the articles
 * added or changed since the base was loaded (bodies included) and re-indexes them as the fresh
 * segment after each change. The main thread never parses or indexes.
 */
const SAMPLE_SIZE = 1_000;

const settings = workerData as WorkerSettings;
const port = parentPort!;
const state = new CorpusState(settings.articlesDir, settings.maxFileBytes, settings.exclude);
const baseIds: string[] = [];
const basePaths: string[] = [];
const baseDf = new Map<string, number>();
let base: BaseStatistics | null = null;
/** Articles added or changed since the base, in fresh-segment order (oldest change first). */
const fresh = new Map<string, Article>();

const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

function answer(batch: number, changes: CorpusChanges): void {
  let freshChanged = false;
  for (const id of changes.removed) freshChanged = fresh.delete(id) || freshChanged;
  for (const article of changes.upserted) {
    fresh.delete(article.id);
    fresh.set(article.id, article);
    freshChanged = true;
  }
  for (let i = 0; i < changes.upserted.length; i += ARTICLES_PER_MESSAGE) {
    const slice = changes.upserted.slice(i, i + ARTICLES_PER_MESSAGE).map(articleForWire);
    post({ type: 'articles', batch, json: JSON.stringify(slice) });
  }
  let wire: Extract<FromWorker, { type: 'reloaded' }>['fresh'] = null;
  let transfer: ArrayBuffer[] = [];
  if (freshChanged && fresh.size) {
    const articles = [...fresh.values()];
    const built = buildFreshSegment(articles, base!);
    const index = indexToWire(built.index);
    transfer = index.transfer;
    wire = {
      ids: articles.map((article) => article.id),
      terms: index.terms,
      termWords: index.termWords,
      arrays: index.arrays,
      stories: built.stories,
      prefixTable: built.prefixTable,
    };
  } else if (freshChanged) {
    wire = 'none';
  }
  post(
    {
      type: 'reloaded',
      batch,
      counts: {
        added: changes.added,
        changed: changes.changed,
        removed: changes.removed.length,
        rejected: changes.rejected.length,
      },
      problems: [...changes.rejected, ...changes.warnings],
      tombstones: [...changes.removed, ...changes.upserted.map((article) => article.id)],
      fresh: wire,
      folders: changes.folders,
      articleCount: state.articleCount,
    },
    transfer,
  );
}

port.on('message', (message: ToWorker) => {
  const batch = message.type === 'changes' ? message.batch : 0;
  try {
    switch (message.type) {
      case 'base-articles':
        if (message.ids) baseIds.push(...message.ids.split('\n'));
        if (message.ids) basePaths.push(...message.paths.split('\n'));
        return;
      case 'base-terms': {
        const terms = message.terms ? message.terms.split('\n') : [];
        terms.forEach((term, i) => baseDf.set(term, message.df[i]!));
        return;
      }
      case 'adopt': {
        const changes = state.adopt({ ids: baseIds, paths: basePaths }, message.since);
        baseIds.length = 0;
        basePaths.length = 0;
        base = {
          docCount: message.baseDocCount,
          df: baseDf,
          averageLengths: averageFieldLengths(state.sample(SAMPLE_SIZE)),
        };
        answer(0, changes);
        return;
      }
      case 'changes':
        answer(message.batch, state.update(message.paths));
        return;
    }
  } catch (error) {
    post({ type: 'failed', batch, message: error instanceof Error ? error.message : String(error) });
  }
});
