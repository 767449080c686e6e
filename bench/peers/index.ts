/** Every engine the quality bench runs, in column order. */
import { broadsheet } from './broadsheet.ts';
import { flexCombined, flexFields } from './flexsearch.ts';
import { plainLunr } from './lunr.ts';
import { miniSearchDefault, miniSearchTuned, miniSearchTuned3 } from './minisearch.ts';
import { fts5, fts5Reranked } from './sqliteFts5.ts';
import type { EngineSpec } from './types.ts';

export const QUALITY_ENGINES: readonly EngineSpec[] = [
  broadsheet,
  plainLunr,
  miniSearchDefault,
  miniSearchTuned,
  miniSearchTuned3,
  flexFields,
  flexCombined,
  fts5,
  fts5Reranked,
];
