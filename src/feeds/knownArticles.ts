import path from 'node:path';

/**
 * The articles a running bot already serves from `dir` (its library), so an import need not parse the
 * corpus again to learn which URLs it holds: at 100k articles that parse, or its cache, would cost a
 * worker seconds and a second copy of the corpus in memory every cycle. Ids and paths travel as two
 * NUL-joined strings, which cross to a worker thread in one copy instead of 100k cloned objects.
 */
export interface KnownArticles {
  dir: string;
  ids: string;
  /** Relative to `dir`, in the order of `ids`. */
  paths: string;
}

const SEPARATOR = '\0';

export function packKnownArticles(
  dir: string,
  articles: readonly { id: string; path: string }[],
): KnownArticles {
  return {
    dir: path.resolve(dir),
    ids: articles.map((article) => article.id).join(SEPARATOR),
    paths: articles.map((article) => article.path).join(SEPARATOR),
  };
}

/**
 * The known articles as seen from `outDir`: every id, and the ids of the files inside `outDir` by their
 * path relative to it (none when `outDir` is outside the served folder).
 */
export function unpackKnownArticles(
  known: KnownArticles,
  outDir: string,
): { ids: string[]; byPathInOutDir: Map<string, string> } {
  const ids = known.ids ? known.ids.split(SEPARATOR) : [];
  const paths = known.paths ? known.paths.split(SEPARATOR) : [];
  const byPathInOutDir = new Map<string, string>();
  const prefix = path.relative(known.dir, path.resolve(outDir)).split(path.sep).join('/');
  if (!prefix.startsWith('..') && !path.isAbsolute(prefix)) {
    paths.forEach((relPath, i) => {
      const id = ids[i];
      if (id === undefined) return;
      if (!prefix) byPathInOutDir.set(relPath, id);
      else if (relPath.startsWith(`${prefix}/`)) byPathInOutDir.set(relPath.slice(prefix.length + 1), id);
    });
  }
  return { ids, byPathInOutDir };
}
