import fs from 'node:fs';
import path from 'node:path';
import type { Article, CorpusProblem } from './article.ts';
import {
  fileTablePaths,
  isArticleFile,
  listArticleFiles,
  type CorpusFileTable,
  type FileEntry,
} from './corpusFiles.ts';
import { mergeDuplicate } from './mergeDuplicates.ts';
import type { ParseOutcome } from './parseArticle.ts';
import { parseFile } from './parseFile.ts';

/** What changed in the corpus since the last look, in articles (one per URL, as the loader merges them). */
export interface CorpusChanges {
  /** Articles new to the library or changed, duplicates merged, bodies included. */
  upserted: Article[];
  added: number;
  changed: number;
  /** Ids of articles no longer in the corpus (their last file was deleted, renamed away or turned invalid). */
  removed: string[];
  /** Files that could not be loaded this time, each with its reason. */
  rejected: CorpusProblem[];
  /** Files loaded with a warning this time (a merged duplicate, a dropped field). */
  warnings: CorpusProblem[];
  /** Folders (relative) that appeared or went, for the folder watches. */
  folders: { added: string[]; removed: string[] };
}

interface KnownFile {
  size: number;
  mtimeMs: number;
  /** The article the file gave, or null when it was rejected. */
  id: string | null;
}

/**
 * The library as loaded: each article's id and the file it came from (the first file, for merged URLs),
 * and when known every corpus file it was made from with its size and mtime then (`files`).
 */
export interface LoadedArticles {
  ids: readonly string[];
  paths: readonly string[];
  files?: CorpusFileTable | null;
}

const comparePaths = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const isHidden = (relPath: string) => relPath.split('/').some((part) => part.startsWith('.'));
const under = (prefix: string, relPath: string) => prefix === '' || relPath.startsWith(`${prefix}/`);

/** Every folder under `dir` (relative paths, `''` for `dir` itself), hidden ones and `exclude` left out. */
export function listCorpusFolders(dir: string, exclude: readonly string[] = []): string[] {
  const folders: string[] = [];
  const excluded = new Set(exclude.map((folder) => path.resolve(folder)));
  const walk = (absDir: string, relDir: string) => {
    if (excluded.has(absDir)) return;
    folders.push(relDir);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(absDir, { withFileTypes: true });
    } catch {
      return; // gone while we looked
    }
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      walk(path.join(absDir, entry.name), relDir ? `${relDir}/${entry.name}` : entry.name);
    }
  };
  walk(path.resolve(dir), '');
  return folders;
}

/**
 * The corpus folder as the library knows it: every article file with the size and mtime it had when it
 * was last read, and the article it gave. `update` looks again at some paths (or at everything) and says
 * which articles were added, changed or removed; only files whose size or mtime changed are read again.
 * Runs in the reload worker, never on the main thread.
 */
export class CorpusState {
  private readonly files = new Map<string, KnownFile>();
  /** Article id → the files that give it, sorted (several when files share a URL). */
  private readonly pathsById = new Map<string, string[]>();
  /** Ids in the library. */
  private readonly present = new Set<string>();
  /** Folders (relative, `''` the corpus folder itself): what the folder watches cover. */
  private readonly folders = new Set<string>();
  private folderChanges = { added: [] as string[], removed: [] as string[] };

  constructor(
    readonly dir: string,
    private readonly maxFileBytes: number,
    /** Absolute folders that are not corpus (DATA_DIR inside it): never watched. */
    private readonly exclude: readonly string[] = [],
  ) {}

  /** Every folder known, for the watches to start from. */
  knownFolders(): string[] {
    return [...this.folders];
  }

  get articleCount(): number {
    return this.present.size;
  }

  /**
   * Takes over the library as it was loaded. Files it did not come from (rejected files, merged
   * duplicates) and files modified at or after `since` (when the load began) are read again; what
   * changed since the load is returned.
   */
  adopt(loaded: LoadedArticles, since: number): CorpusChanges {
    if (loaded.files) return this.adoptFiles(loaded.ids, loaded.files);
    const loadedFrom = new Map<string, string>();
    loaded.paths.forEach((relPath, i) => loadedFrom.set(relPath, loaded.ids[i]!));
    for (const id of loaded.ids) this.present.add(id);
    this.syncFolders('', listCorpusFolders(this.dir, this.exclude));
    const touched: FileEntry[] = [];
    const listed = new Set<string>();
    for (const file of listArticleFiles(this.dir)) {
      listed.add(file.relPath);
      const id = loadedFrom.get(file.relPath);
      if (file.mtimeMs >= since) {
        // Possibly changed during the load: read again, replacing whatever the load took from it.
        if (id !== undefined) this.remember({ ...file, size: -1 }, id);
        touched.push(file);
        continue;
      }
      if (id !== undefined) {
        this.remember(file, id);
        continue;
      }
      // Older than the load and not a loaded article's file: a rejected file or a merged duplicate,
      // already in the library as loaded. Only a file that gives an article the library lacks (copied
      // in with its old mtime kept) is a change.
      const outcome = this.parse(file);
      const parsedId = outcome.ok ? outcome.article.id : null;
      if (parsedId !== null && !this.present.has(parsedId)) touched.push(file);
      else this.remember(file, parsedId);
    }
    const gone = [...loadedFrom.keys()].filter((relPath) => !listed.has(relPath));
    // A loaded article whose file is gone must be accounted for even though its file was never remembered.
    for (const relPath of gone) this.remember({ relPath, size: -1, mtimeMs: -1 }, loadedFrom.get(relPath)!);
    return this.reconcile(touched, gone);
  }

  /**
   * Takes over a library made from `files` (as they were when it was made: listed by its load, or as
   * the caches of a warm start recorded them): every file listed now whose size or mtime differs from
   * its row, or that has none, is read again, and every row whose file is gone is a removal. So
   * whatever changed while the process was down, or during the load, is caught up with, and nothing
   * unchanged is read.
   */
  private adoptFiles(ids: readonly string[], files: CorpusFileTable): CorpusChanges {
    for (const id of ids) this.present.add(id);
    this.syncFolders('', listCorpusFolders(this.dir, this.exclude));
    const paths = fileTablePaths(files);
    const rowOf = new Map<string, number>();
    paths.forEach((relPath, row) => rowOf.set(relPath, row));
    const idOf = (row: number) => (files.doc[row]! >= 0 ? (ids[files.doc[row]!] ?? null) : null);
    const touched: FileEntry[] = [];
    const listed = new Set<string>();
    for (const file of listArticleFiles(this.dir)) {
      listed.add(file.relPath);
      const row = rowOf.get(file.relPath);
      const id = row === undefined ? null : idOf(row);
      if (row !== undefined && files.size[row] === file.size && files.mtimeMs[row] === file.mtimeMs) {
        this.remember(file, id);
        continue;
      }
      // New or changed: read again, replacing whatever the library took from it.
      if (id !== null) this.remember({ ...file, size: -1 }, id);
      touched.push(file);
    }
    const gone: string[] = [];
    paths.forEach((relPath, row) => {
      const id = idOf(row);
      if (listed.has(relPath) || id === null) return;
      this.remember({ relPath, size: -1, mtimeMs: -1 }, id);
      gone.push(relPath);
    });
    return this.reconcile(touched, gone);
  }

  /**
   * Looks again at `paths` (files or folders, relative to the corpus folder), or at the whole corpus
   * when `paths` is null (a full rescan).
   */
  update(paths: readonly string[] | null): CorpusChanges {
    const touched = new Map<string, FileEntry>();
    const gone = new Set<string>();
    const consider = (file: FileEntry) => {
      const known = this.files.get(file.relPath);
      if (!known || known.size !== file.size || known.mtimeMs !== file.mtimeMs)
        touched.set(file.relPath, file);
    };
    const forgetUnder = (prefix: string, still: ReadonlySet<string>) => {
      for (const relPath of this.files.keys())
        if ((prefix === '' || relPath.startsWith(prefix)) && !still.has(relPath)) gone.add(relPath);
    };
    // The corpus folder itself among the paths: look at everything once.
    if (paths?.some((raw) => ['', '.', './'].includes(raw))) paths = null;
    if (paths === null) {
      const listing = listArticleFiles(this.dir);
      listing.forEach(consider);
      forgetUnder('', new Set(listing.map((file) => file.relPath)));
      this.syncFolders('', listCorpusFolders(this.dir, this.exclude));
    } else {
      for (const raw of paths) {
        const relPath = path.posix.normalize(raw.split(path.sep).join('/')).replace(/^(\.\/)+|\/+$/g, '');
        if (!relPath || relPath.startsWith('..') || isHidden(relPath)) continue;
        const absPath = path.join(this.dir, relPath);
        const stat = fs.statSync(absPath, { throwIfNoEntry: false });
        if (stat?.isDirectory()) {
          const listing = listArticleFiles(absPath).map((file) => ({
            ...file,
            relPath: `${relPath}/${file.relPath}`,
          }));
          listing.forEach(consider);
          forgetUnder(`${relPath}/`, new Set(listing.map((file) => file.relPath)));
          const folders = listCorpusFolders(absPath, this.exclude).map((sub) =>
            sub ? `${relPath}/${sub}` : relPath,
          );
          this.syncFolders(relPath, folders);
        } else if (stat?.isFile() && isArticleFile(path.basename(relPath))) {
          consider({ relPath, absPath, size: stat.size, mtimeMs: stat.mtimeMs });
        } else {
          // Gone (or no longer an article file): the file, or everything known under the folder.
          if (this.files.has(relPath)) gone.add(relPath);
          forgetUnder(`${relPath}/`, new Set());
          if (!stat) this.syncFolders(relPath, []);
        }
      }
    }
    return this.reconcile([...touched.values()], [...gone]);
  }

  /** Up to `count` articles spread evenly over the corpus, read from their files (for collection statistics). */
  sample(count: number): Article[] {
    const ids = [...this.pathsById.keys()];
    const step = Math.max(1, ids.length / count);
    const articles: Article[] = [];
    for (let i = 0; i < ids.length && articles.length < count; i += step) {
      const relPath = this.pathsById.get(ids[Math.floor(i)]!)![0]!;
      const outcome = this.parse(this.entry(relPath));
      if (outcome.ok) articles.push(outcome.article);
    }
    return articles;
  }

  /** Makes the folders known at and under `prefix` exactly `present`, noting what appeared and went. */
  private syncFolders(prefix: string, present: readonly string[]): void {
    const now = new Set(present);
    for (const folder of this.folders) {
      if ((folder === prefix || under(prefix, folder)) && !now.has(folder)) {
        this.folders.delete(folder);
        this.folderChanges.removed.push(folder);
      }
    }
    for (const folder of present) {
      if (this.folders.has(folder)) continue;
      this.folders.add(folder);
      this.folderChanges.added.push(folder);
    }
  }

  private entry(relPath: string): FileEntry {
    const absPath = path.join(this.dir, relPath);
    const stat = fs.statSync(absPath, { throwIfNoEntry: false });
    return { relPath, absPath, size: stat?.size ?? 0, mtimeMs: stat?.mtimeMs ?? 0 };
  }

  private parse(file: FileEntry): ParseOutcome {
    return parseFile(file, this.maxFileBytes, false);
  }

  private remember(file: Pick<FileEntry, 'relPath' | 'size' | 'mtimeMs'>, id: string | null): void {
    this.forget(file.relPath);
    this.files.set(file.relPath, { size: file.size, mtimeMs: file.mtimeMs, id });
    if (id === null) return;
    const paths = this.pathsById.get(id) ?? [];
    paths.push(file.relPath);
    paths.sort(comparePaths);
    this.pathsById.set(id, paths);
  }

  /** Drops a file; returns the article it gave. */
  private forget(relPath: string): string | null {
    const known = this.files.get(relPath);
    if (!known) return null;
    this.files.delete(relPath);
    if (known.id === null) return null;
    const paths = this.pathsById.get(known.id)?.filter((other) => other !== relPath) ?? [];
    if (paths.length) this.pathsById.set(known.id, paths);
    else this.pathsById.delete(known.id);
    return known.id;
  }

  /** Reads the touched files, forgets the gone ones, and rebuilds every article either affected. */
  private reconcile(touched: readonly FileEntry[], gone: readonly string[]): CorpusChanges {
    const changes: CorpusChanges = {
      upserted: [],
      added: 0,
      changed: 0,
      removed: [],
      rejected: [],
      warnings: [],
      folders: this.folderChanges,
    };
    this.folderChanges = { added: [], removed: [] };
    const affected = new Set<string>();
    const parsed = new Map<string, ParseOutcome>();
    for (const file of touched) {
      const outcome = this.parse(file);
      parsed.set(file.relPath, outcome);
      const before = this.forget(file.relPath);
      if (before !== null) affected.add(before);
      const id = outcome.ok ? outcome.article.id : null;
      this.remember(file, id);
      if (id !== null) affected.add(id);
      if (!outcome.ok)
        changes.rejected.push({ path: file.relPath, reason: outcome.reason, severity: 'rejected' });
      else
        for (const warning of outcome.warnings)
          changes.warnings.push({ path: file.relPath, reason: warning, severity: 'warning' });
    }
    for (const relPath of gone) {
      const before = this.forget(relPath);
      if (before !== null) affected.add(before);
    }
    for (const id of affected) {
      const article = this.articleOf(id, parsed, changes.warnings);
      if (!article) {
        if (this.present.delete(id)) changes.removed.push(id);
        continue;
      }
      if (this.present.has(id)) changes.changed++;
      else changes.added++;
      this.present.add(id);
      changes.upserted.push(article);
    }
    return changes;
  }

  /** The article `id` as its files now give it, merged in path order as the loader merges them. */
  private articleOf(
    id: string,
    parsed: Map<string, ParseOutcome>,
    warnings: CorpusProblem[],
  ): Article | null {
    let merged: Article | null = null;
    for (const relPath of this.pathsById.get(id) ?? []) {
      const outcome = parsed.get(relPath) ?? this.parse(this.entry(relPath));
      // A file that no longer gives this article changed without being seen yet: the next look reads it.
      if (!outcome.ok || outcome.article.id !== id) continue;
      const article = {
        ...outcome.article,
        topics: [...outcome.article.topics],
        topicKeys: [...outcome.article.topicKeys],
      };
      if (!merged) {
        merged = article;
        continue;
      }
      const firstPath = merged.path;
      const taken = mergeDuplicate(merged, article);
      warnings.push({
        path: relPath,
        reason: `same URL as ${firstPath}; merged field by field${taken.length ? ` (${taken.join(', ')} from this file)` : ' (nothing new in this file)'}`,
        severity: 'warning',
      });
    }
    return merged;
  }
}
