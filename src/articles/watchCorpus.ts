import fs from 'node:fs';
import path from 'node:path';
import { ARTICLE_EXTENSIONS } from './corpusFiles.ts';

/**
 * Watching the corpus folder: one `fs.watch` per folder, never per file.
 *
 * Why not chokidar (or Node 20's recursive `fs.watch`, which on Linux is built the same way): both put a
 * watcher on every file. Measured here on a 100k-file folder, chokidar 4 took 32 s and +378 MiB to get
 * ready with 256 ms event-loop stalls, and even with files ignored it re-read the whole folder on every
 * change (169 ms stall for one write). A folder watch (inotify on Linux) already reports every file
 * created, written, renamed or deleted in it, so watching folders costs one watch per folder and a
 * microsecond per event on this thread; the folders themselves are listed by the reload worker.
 */
export interface CorpusWatcherOptions {
  /** Called with the paths (relative to the corpus folder) that changed, once a burst has settled. */
  onChanges: (paths: string[]) => void;
  /** Absolute folders to leave out (DATA_DIR when it lies inside the corpus). */
  exclude?: readonly string[];
  /** A burst ends after this long without an event (ms). */
  quietMs?: number;
  /** A burst that never settles is still reported this often (ms). */
  maxWaitMs?: number;
  /** A folder that could not be watched (gone, or the system's watch limit reached). */
  onError?: (folder: string, error: Error) => void;
}

export const DEFAULT_QUIET_MS = 300;
export const DEFAULT_MAX_WAIT_MS = 10_000;

const ARTICLE_EXTENSION = new Set<string>(ARTICLE_EXTENSIONS);

/**
 * Whether an event's name may matter: hidden files and folders (`.git`, `.feeds-state.json`, editors'
 * `.swp` files) never do, nor files whose extension is not an article's (`a.md~`, `a.md.tmp`). Names
 * without an extension pass: they may be folders, and the reload worker looks.
 */
export function mayBeCorpusPath(relPath: string): boolean {
  for (const part of relPath.split('/')) if (part.startsWith('.')) return false;
  const extension = path.extname(relPath).toLowerCase();
  return extension === '' || ARTICLE_EXTENSION.has(extension);
}

/** Folder watches over a corpus, with events gathered into settled bursts. */
export class CorpusWatcher {
  private readonly watchers = new Map<string, fs.FSWatcher>();
  private readonly pending = new Set<string>();
  private quietTimer: NodeJS.Timeout | undefined;
  private maxTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly excluded: string[];

  constructor(
    readonly dir: string,
    private readonly options: CorpusWatcherOptions,
  ) {
    this.excluded = (options.exclude ?? []).map((folder) => path.resolve(folder));
  }

  /** Folders being watched (relative). */
  get folders(): string[] {
    return [...this.watchers.keys()];
  }

  /**
   * Starts watching `folders` (relative to the corpus folder); already watched ones are kept. Each new
   * watch is followed by one more look at its folder: whatever was written there between the folder
   * being listed and the watch starting raised no event.
   */
  add(folders: readonly string[]): void {
    for (const folder of folders) {
      if (this.closed || this.watchers.has(folder)) continue;
      const absolute = path.join(path.resolve(this.dir), folder);
      if (this.excluded.some((excluded) => absolute === excluded || absolute.startsWith(excluded + path.sep)))
        continue;
      try {
        const watcher = fs.watch(absolute, { persistent: true }, (_event, name) =>
          this.onEvent(folder, name === null ? null : String(name)),
        );
        watcher.on('error', (error) => {
          this.remove([folder]);
          this.options.onError?.(folder, error);
          // The folder may have gone: its parent's watch reports that; a rescan of it settles the rest.
          this.onEvent(folder, null);
        });
        this.watchers.set(folder, watcher);
        this.onEvent(folder, null);
      } catch (error) {
        this.options.onError?.(folder, error as Error);
      }
    }
  }

  /** Stops watching `folders` and every folder under them. */
  remove(folders: readonly string[]): void {
    for (const folder of folders) {
      for (const [watched, watcher] of this.watchers) {
        if (watched === folder || (folder !== '' && watched.startsWith(`${folder}/`)) || folder === '') {
          watcher.close();
          this.watchers.delete(watched);
        }
      }
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.quietTimer);
    clearTimeout(this.maxTimer);
    this.remove(['']);
    this.pending.clear();
  }

  private onEvent(folder: string, name: string | null): void {
    if (this.closed) return;
    // No name: something in the folder changed, we are not told what; the folder is looked at again.
    const relPath = name === null ? folder : folder ? `${folder}/${name}` : name;
    if (name !== null && !mayBeCorpusPath(relPath)) return;
    this.pending.add(relPath);
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => this.flush(), this.options.quietMs ?? DEFAULT_QUIET_MS);
    this.maxTimer ??= setTimeout(() => this.flush(), this.options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS);
  }

  private flush(): void {
    clearTimeout(this.quietTimer);
    clearTimeout(this.maxTimer);
    this.quietTimer = undefined;
    this.maxTimer = undefined;
    if (!this.pending.size) return;
    const paths = [...this.pending];
    this.pending.clear();
    this.options.onChanges(paths);
  }
}
