// The dialect matrix: every store and service test runs on each of these (kysely's DIALECTS pattern).
// SQLite always; PGlite (embedded PostgreSQL, in-process) always; a real PostgreSQL server when
// SORTIE_TEST_PG_URL is set — each test database is created fresh and dropped afterwards.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openTestSortie, type TestSortie, tempDir } from './sortie.js';

export type DialectName = 'sqlite' | 'pglite' | 'postgres';

export const DIALECTS: DialectName[] = ['sqlite', 'pglite', ...(process.env.SORTIE_TEST_PG_URL ? (['postgres'] as const) : [])];

/**
 * The dialects several connections or processes can share (two `sortie serve` replicas on one database):
 * PGlite is one in-process database per handle, so it is not among them.
 */
export const SHARED_DIALECTS: Array<Exclude<DialectName, 'pglite'>> = ['sqlite', ...(process.env.SORTIE_TEST_PG_URL ? (['postgres'] as const) : [])];

let counter = 0;
/** Names carry the machine and the process, so a run can tell its own leftovers from another machine's. */
const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 6);
let swept = false;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Drops test databases this machine left behind in runs that died before disposing of them (their process is
 * gone), once per process, so a long-lived CI server does not fill up. Best effort: a failure changes nothing.
 */
async function sweepLeftovers(client: pg.Client): Promise<void> {
  if (swept) return;
  swept = true;
  const rows = await client.query<{ datname: string }>(`select datname from pg_database where datname like 'sortie_test_${HOST}_%'`);
  for (const { datname } of rows.rows) {
    const pid = Number(datname.split('_')[3]);
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    await client.query(`drop database if exists ${datname} with (force)`).catch(() => {});
  }
}

/** A fresh, empty database URL of the given dialect, and a function that disposes of it. */
export async function freshDatabaseUrl(dialect: DialectName): Promise<{ url: string; dispose: () => Promise<void> }> {
  if (dialect === 'sqlite') return { url: join(tempDir(), 'sortie.db'), dispose: async () => {} };
  if (dialect === 'pglite') return { url: 'pglite:', dispose: async () => {} };
  const admin = process.env.SORTIE_TEST_PG_URL as string;
  const name = `sortie_test_${HOST}_${process.pid}_${Date.now()}_${counter++}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await sweepLeftovers(client).catch(() => {});
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async dispose() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/**
 * A TestSortie on a fresh database of `dialect`, with its URL (for processes that open the same database); its
 * close() also disposes of the database, so one call in afterAll/afterEach cleans up both.
 */
export async function openDialectSortie(dialect: DialectName, config: Parameters<typeof openTestSortie>[1] = {}): Promise<TestSortie & { url: string }> {
  const fresh = await freshDatabaseUrl(dialect);
  try {
    const opened = await openTestSortie(fresh.url, config);
    return {
      ...opened,
      url: fresh.url,
      async close() {
        await opened.close();
        await fresh.dispose();
      },
    };
  } catch (error) {
    await fresh.dispose();
    throw error;
  }
}
