import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import type { Article } from '../articles/article.ts';
import { CorpusState, type CorpusChanges } from '../articles/corpusChanges.ts';
import { averageFieldLengths, buildFreshSegment, type BaseStatistics } from './freshSegment.ts';
import {
  ARTICLES_PER_MESSAGE,
  articleForWire,
  indexToWire,
  type FreshSlotsWire,
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
/**
 * This thread works behind the one answering questions: on a busy machine that one gets a core first,
 * and a reload waits instead (Linux applies a thread's niceness to that thread alone; elsewhere it would
 * be the whole process's, so it is left as it is).
 */
const BACKGROUND_NICENESS = 10;

if (process.platform === 'linux') {
  try {
    os.setPriority(BACKGROUND_NICENESS);
  } catch {
    // Not permitted here: the thread runs at the process's priority.
  }
}

const settings = workerData as WorkerSettings;
const port = parentPort!;
const state = new CorpusState(settings.articlesDir, settings.maxFileBytes, settings.exclude);
const baseIds: string[] = [];
const basePaths: string[] = [];
const baseDf = new Map<string, number>();
let base: BaseStatistics | null = null;
/**
 * The fresh slots: the fresh segment's docs, oldest change first. A changed article's old slot dies (an
 * empty doc in the index) and its new version takes a new slot, so slots keep their numbers on the main
 * thread; once dead slots outnumber the live ones (and number at least `compactAfter`), they are renumbered.
 */
const slots: Array<Article | null> = [];
const slotOf = new Map<string, number>();
let deadCount = 0;
const EMPTY: Article = {
  id: '',
  title: '',
  excerpt: '',
  body: '',
  webUrl: '',
  publishedAt: null,
  provider: { name: '', domain: '' },
  topics: [],
  topicKeys: [],
  images: [],
  quality: null,
  heat: null,
  published: false,
  type: '',
  related: [],
  relatedCount: 0,
  path: '',
};

const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

function kill(id: string, deadSlots: number[]): void {
  const slot = slotOf.get(id);
  if (slot === undefined) return;
  slots[slot] = null;
  slotOf.delete(id);
  deadSlots.push(slot);
  deadCount++;
}

function answer(batch: number, changes: CorpusChanges, renumber = false): void {
  const deadSlots: number[] = [];
  let appended: Article[] = [];
  for (const id of changes.removed) kill(id, deadSlots);
  for (const article of changes.upserted) {
    kill(article.id, deadSlots);
    slotOf.set(article.id, slots.length);
    slots.push(article);
    appended.push(article);
  }
  let compacted = false;
  if (renumber || (deadCount >= settings.compactAfter && deadCount > slots.length - deadCount)) {
    const live = slots.filter((article): article is Article => article !== null);
    slots.length = 0;
    slotOf.clear();
    for (const article of live) {
      slotOf.set(article.id, slots.length);
      slots.push(article);
    }
    deadCount = 0;
    compacted = true;
    appended = live;
  }
  for (let i = 0; i < changes.upserted.length; i += ARTICLES_PER_MESSAGE) {
    const slice = changes.upserted.slice(i, i + ARTICLES_PER_MESSAGE).map(articleForWire);
    post({ type: 'articles', batch, json: JSON.stringify(slice) });
  }
  let fresh: FreshSlotsWire | null = null;
  let transfer: ArrayBuffer[] = [];
  if (deadSlots.length || appended.length || compacted) {
    const built = slots.length
      ? buildFreshSegment(
          slots.map((article) => article ?? EMPTY),
          base!,
        )
      : null;
    const index = built ? indexToWire(built.index) : null;
    transfer = index?.transfer ?? [];
    const first = slots.length - appended.length;
    fresh = {
      deadSlots: compacted ? [] : deadSlots,
      appended: appended.map((article) => article.id),
      appendedStories: appended.map((_, i) => built!.stories[first + i]!),
      compacted,
      index: index?.wire ?? null,
      prefixTable: built?.prefixTable ?? [],
    };
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
      fresh,
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
        if (message.paths) basePaths.push(...message.paths.split('\n'));
        return;
      case 'base-terms': {
        const terms = message.terms ? message.terms.split('\n') : [];
        terms.forEach((term, i) => baseDf.set(term, message.df[i]!));
        return;
      }
      case 'adopt': {
        const changes = state.adopt({ ids: baseIds, paths: basePaths, files: message.files }, message.since);
        baseIds.length = 0;
        basePaths.length = 0;
        base = {
          docCount: message.baseDocCount,
          df: baseDf,
          averageLengths: averageFieldLengths(state.sample(SAMPLE_SIZE)),
        };
        answer(0, changes, message.restart);
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
