import type { Logger } from 'pino';

import { describeDatabaseUrl, redactSecrets } from './databaseUrl.ts';
import { PostgresStore, StoreUnavailableError, type PostgresStoreOptions } from './postgresStore.ts';
import { SchemaTooNewError } from './rows.ts';
import { DATABASE_FILE_NAME, SqliteStore } from './sqliteStore.ts';
import type { Store } from './types.ts';

export { StoreUnavailableError } from './postgresStore.ts';

export interface StoreConfig {
  /** postgres://… selects Postgres; unset, SQLite in DATA_DIR. */
  DATABASE_URL?: string | undefined;
  DATA_DIR: string;
}

/** Which database the config selects, in words safe to log (never the password). */
export function describeStore(config: StoreConfig): { kind: 'postgres' | 'sqlite'; database: string } {
  return config.DATABASE_URL
    ? { kind: 'postgres', database: describeDatabaseUrl(config.DATABASE_URL) }
    : { kind: 'sqlite', database: `${config.DATA_DIR}/${DATABASE_FILE_NAME}` };
}

/**
 * The store the config selects, opened and migrated: Postgres when DATABASE_URL is set (several processes
 * may share it), otherwise SQLite in DATA_DIR (one process). Any failure is a `StoreUnavailableError`
 * whose message says what to check, and names the database without credentials.
 */
export async function openStore(
  config: StoreConfig,
  logger?: Logger,
  options: Omit<PostgresStoreOptions, 'logger'> = {},
): Promise<Store> {
  const described = describeStore(config);
  let store: Store;
  try {
    store = config.DATABASE_URL
      ? await PostgresStore.open(config.DATABASE_URL, { ...options, ...(logger && { logger }) })
      : SqliteStore.openInDataDir(config.DATA_DIR);
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    if (error instanceof SchemaTooNewError) throw new StoreUnavailableError(reason);
    const check = described.kind === 'postgres' ? 'DATABASE_URL' : 'DATA_DIR';
    throw new StoreUnavailableError(
      `the digest database ${described.database} could not be opened (${redactSecrets(reason, config.DATABASE_URL)}). Check ${check}.`,
    );
  }
  logger?.info(described, 'digest store opened');
  return store;
}
