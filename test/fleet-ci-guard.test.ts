// The PostgreSQL leg of the dialect matrix must never vanish silently: in CI it must be configured, and when it is
// configured the server must answer — an unreachable server fails the run instead of skipping its tests.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { DIALECTS, SHARED_DIALECTS } from './support/dialects.js';

const inCi = ['true', '1'].includes((process.env.CI ?? '').toLowerCase());

describe('the PostgreSQL leg of the test matrix', () => {
  it('is configured in CI (.ci/run sets SORTIE_TEST_PG_URL)', () => {
    if (inCi) expect(process.env.SORTIE_TEST_PG_URL, 'CI=true but SORTIE_TEST_PG_URL is not set: run the suite through .ci/run').toBeTruthy();
    expect(DIALECTS.includes('postgres')).toBe(Boolean(process.env.SORTIE_TEST_PG_URL));
    expect(SHARED_DIALECTS.includes('postgres')).toBe(Boolean(process.env.SORTIE_TEST_PG_URL));
  });

  it('reaches the server when it is configured, and can create and drop a database there', async () => {
    const url = process.env.SORTIE_TEST_PG_URL;
    if (!url) {
      expect(DIALECTS).toEqual(['sqlite', 'pglite']);
      return;
    }
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
    } catch (error) {
      throw new Error(`SORTIE_TEST_PG_URL is set but PostgreSQL cannot be reached (${(error as Error).message}); the PostgreSQL tests must not be skipped`);
    }
    try {
      const version = await client.query<{ server_version_num: string }>('show server_version_num');
      // DROP DATABASE … WITH (FORCE), used to clean up after each test, needs PostgreSQL 13.
      expect(Number(version.rows[0].server_version_num)).toBeGreaterThanOrEqual(130000);
      const name = `sortie_guard_${process.pid}`;
      await client.query(`create database ${name}`);
      await client.query(`drop database ${name} with (force)`);
    } finally {
      await client.end();
    }
  });
});
