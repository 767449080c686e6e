/**
 * A real Postgres for tests and benchmarks. `createTestDatabase(label)` gives each test file a fresh
 * database on one server shared by the whole run:
 *
 * - `BROADSHEET_TEST_PG_URL` (an admin URL, e.g. postgres://postgres@127.0.0.1:5432/postgres) if set;
 * - otherwise a throwaway cluster (initdb + pg_ctl: `findPostgresBin`, `-A trust`,
 *   127.0.0.1 on a free port, no Unix socket) that the first test file needing it starts, in the folder the
 *   vitest global set-up (`postgresGlobalSetup.ts`) made; that set-up stops it when the run ends. Runs
 *   that never ask for a database never start one.
 *
 * `null` means no Postgres here: the caller skips, and says so (`warnSkipped`). With
 * `BROADSHEET_REQUIRE_POSTGRES=1` (CI) a missing Postgres is an error instead.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import pg from 'pg';
import { freeLoopbackPort } from './ports.ts';

const run = promisify(execFile);

/** Set by the global set-up: the folder the shared cluster lives in (and its lock and address files). */
export const STATE_DIR_ENV = 'BROADSHEET_TEST_PG_STATE';
export const URL_ENV = 'BROADSHEET_TEST_PG_URL';
export const REQUIRE_ENV = 'BROADSHEET_REQUIRE_POSTGRES';
/** A folder with initdb and pg_ctl, when they are not where `findPostgresBin` looks. */
export const BIN_ENV = 'BROADSHEET_TEST_PG_BIN';

export const SKIP_MESSAGE =
  'SKIPPED: Postgres tests — no Postgres found (set BROADSHEET_TEST_PG_URL or install postgresql)';

export interface TestDatabase {
  /** Connection URL of the new, empty database. */
  url: string;
  /** Drops the database (closing anything still connected to it). */
  drop(): Promise<void>;
}

export interface PostgresServer {
  adminUrl: string;
  stop(): Promise<void>;
}

type Availability = { adminUrl: string } | { unavailable: string };

let shared: Promise<Availability> | undefined;

/** A fresh database for one test file, or null (after a loud warning) when no Postgres can be found. */
export async function createTestDatabase(label: string): Promise<TestDatabase | null> {
  shared ??= findSharedServer();
  const server = await shared;
  if ('unavailable' in server) {
    if (process.env[REQUIRE_ENV] === '1') {
      throw new Error(`${REQUIRE_ENV}=1 but no Postgres for "${label}": ${server.unavailable}`);
    }
    warnSkipped(label, server.unavailable);
    return null;
  }
  const name = databaseName(label);
  await withAdmin(server.adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(server.adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await withAdmin(server.adminUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      );
    },
  };
}

/**
 * Whether a Postgres server is available for this run (warning loudly when not, failing under
 * BROADSHEET_REQUIRE_POSTGRES=1), for files that create their databases later, one per test.
 */
export async function postgresAvailable(label: string): Promise<boolean> {
  const probe = await createTestDatabase(label);
  await probe?.drop();
  return probe !== null;
}

export function warnSkipped(label: string, reason: string): void {
  console.warn(`${SKIP_MESSAGE} [${label}: ${reason}]`);
}

/**
 * The folder holding initdb and pg_ctl: `BROADSHEET_TEST_PG_BIN` if set, else the highest version under
 * /usr/lib/postgresql (Debian, Ubuntu), else the one on PATH (Homebrew, other distributions); null if none.
 */
export function findPostgresBin(): string | null {
  const given = process.env[BIN_ENV];
  if (given) return hasTools(given) ? given : null;
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root) : [];
  const debian = versions
    .filter((version) => /^\d+(\.\d+)?$/.test(version))
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => path.join(root, version, 'bin'))
    .find(hasTools);
  return debian ?? (process.env.PATH ?? '').split(path.delimiter).find((dir) => dir && hasTools(dir)) ?? null;
}

function hasTools(bin: string): boolean {
  return fs.existsSync(path.join(bin, 'pg_ctl')) && fs.existsSync(path.join(bin, 'initdb'));
}

/**
 * Starts a throwaway cluster in `folder` (created if needed): trust authentication, loopback only,
 * durability off unless `durable` (a test database needs none; a benchmark of commits does). As root, the
 * server runs as the `postgres` user, which then owns the folder.
 */
export async function startThrowawayCluster(
  folder: string,
  bin: string,
  { durable = false }: { durable?: boolean } = {},
): Promise<PostgresServer> {
  const dataDir = path.join(folder, 'data');
  const logFile = path.join(folder, 'server.log');
  fs.mkdirSync(folder, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownToPostgres(folder);
  const pgCommand = (tool: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args])
      : run(path.join(bin, tool), args);

  await pgCommand('initdb', [
    '-D',
    dataDir,
    '-A',
    'trust',
    '-U',
    'postgres',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freeLoopbackPort();
    const options = [
      '-h 127.0.0.1',
      `-p ${port}`,
      "-k ''",
      ...(durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
      '-c max_connections=300',
    ].join(' ');
    try {
      await pgCommand('pg_ctl', ['-D', dataDir, '-o', options, '-l', logFile, '-w', '-t', '60', 'start']);
      return {
        adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
        stop: async () => {
          await pgCommand('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
        },
      };
    } catch (error) {
      lastError = error; // most likely the port was taken between looking and binding: try another
    }
  }
  const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2000) : '';
  throw new Error(`Postgres did not start in ${folder}: ${String(lastError)}\n${log}`);
}

/** Stops the cluster a run's state folder holds, if one was started there. Used by the global teardown. */
export async function stopClusterIn(stateDir: string): Promise<void> {
  const dataDir = path.join(stateDir, 'cluster', 'data');
  if (!fs.existsSync(path.join(dataDir, 'postmaster.pid'))) return;
  const bin = findPostgresBin();
  if (!bin) return;
  const args = ['-D', dataDir, '-m', 'immediate', '-w', 'stop'];
  const stop =
    process.getuid?.() === 0
      ? run('runuser', ['-u', 'postgres', '--', path.join(bin, 'pg_ctl'), ...args])
      : run(path.join(bin, 'pg_ctl'), args);
  await stop.catch(() => undefined);
}

async function findSharedServer(): Promise<Availability> {
  const given = process.env[URL_ENV];
  if (given) return { adminUrl: given };
  const bin = findPostgresBin();
  if (!bin)
    return {
      unavailable: `no initdb/pg_ctl in ${process.env[BIN_ENV] ?? '/usr/lib/postgresql/*/bin or PATH'}`,
    };
  const stateDir = process.env[STATE_DIR_ENV];
  if (!stateDir || !fs.existsSync(stateDir)) {
    return { unavailable: `${STATE_DIR_ENV} is not set (run through vitest.config.ts's global set-up)` };
  }
  return startOnce(stateDir, bin);
}

/**
 * The first test file to ask starts the cluster; every other one (in other worker processes) waits for
 * its address. `mkdir` is the lock: it succeeds for exactly one caller.
 */
async function startOnce(stateDir: string, bin: string): Promise<Availability> {
  const addressFile = path.join(stateDir, 'address.json');
  try {
    fs.mkdirSync(path.join(stateDir, 'lock'));
  } catch {
    return waitForAddress(addressFile);
  }
  let availability: Availability;
  try {
    const server = await startThrowawayCluster(path.join(stateDir, 'cluster'), bin);
    availability = { adminUrl: server.adminUrl };
  } catch (error) {
    availability = { unavailable: error instanceof Error ? error.message : String(error) };
  }
  const partial = `${addressFile}.${process.pid}`;
  fs.writeFileSync(partial, JSON.stringify(availability));
  fs.renameSync(partial, addressFile);
  return availability;
}

async function waitForAddress(addressFile: string): Promise<Availability> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (fs.existsSync(addressFile)) return JSON.parse(fs.readFileSync(addressFile, 'utf8')) as Availability;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { unavailable: 'timed out waiting for another test file to start Postgres' };
}

async function withAdmin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function databaseName(label: string): string {
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
    .slice(0, 40);
  return `bs_${slug}_${crypto.randomBytes(4).toString('hex')}`;
}

function chownToPostgres(folder: string): void {
  const { uid, gid } = postgresUser();
  fs.chownSync(folder, uid, gid);
}

function postgresUser(): { uid: number; gid: number } {
  const line = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new Error('running as root, but there is no postgres user to run the server as');
  }
  return { uid: Number(uid), gid: Number(gid) };
}

/** The folder a run keeps its cluster in: outside the run's TMPDIR, whose folders only root may enter. */
export function makeStateDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broadsheet-pg-'));
  fs.chmodSync(dir, 0o755);
  return dir;
}
