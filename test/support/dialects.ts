// The dialect matrix: every store and service test runs on each of these (kysely's DIALECTS pattern).
// SQLite always; PGlite (embedded PostgreSQL, in-process) always; a real PostgreSQL server when
// SORTIE_TEST_PG_URL is set — each test database is created fresh and dropped afterwards.
import { join } from 'node:path';
import pg from 'pg';
import { tempDir } from './sortie.js';

export type DialectName = 'sqlite' | 'pglite' | 'postgres';

export const DIALECTS: DialectName[] = ['sqlite', 'pglite', ...(process.env.SORTIE_TEST_PG_URL ? (['postgres'] as const) : [])];

let counter = 0;

/** A fresh, empty database URL of the given dialect, and a function that disposes of it. */
export async function freshDatabaseUrl(dialect: DialectName): Promise<{ url: string; dispose: () => Promise<void> }> {
  if (dialect === 'sqlite') return { url: join(tempDir(), 'sortie.db'), dispose: async () => {} };
  if (dialect === 'pglite') return { url: 'pglite:', dispose: async () => {} };
  const admin = process.env.SORTIE_TEST_PG_URL as string;
  const name = `sortie_test_${process.pid}_${Date.now()}_${counter++}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
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
