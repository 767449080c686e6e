import fs from 'node:fs';

import { makeStateDir, STATE_DIR_ENV, stopClusterIn, URL_ENV } from './postgres.ts';

/**
 * vitest global set-up: a folder where the run's shared Postgres cluster is started on first use (see
 * `postgres.ts`), and the teardown that stops it and removes the folder. Listed before `tempRoot.ts` so the
 * folder is made in the system's temp folder, which the `postgres` user can enter. Nothing to do when
 * `BROADSHEET_TEST_PG_URL` names a server.
 */
export default function setup(): (() => Promise<void>) | undefined {
  if (process.env[URL_ENV]) return undefined;
  const stateDir = makeStateDir();
  process.env[STATE_DIR_ENV] = stateDir;
  return async () => {
    await stopClusterIn(stateDir);
    delete process.env[STATE_DIR_ENV];
    fs.rmSync(stateDir, { recursive: true, force: true });
  };
}
