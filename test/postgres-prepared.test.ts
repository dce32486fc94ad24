// Prepared statements on PostgreSQL (src/db/postgres-prepared.ts): every statement with parameters is parsed once per
// connection, and one whose table another process changed meanwhile (a replica migrating) is prepared again — at
// once outside a transaction, by write()'s retry inside one — so the caller never sees "cached plan must not change
// result type". Needs a real server (SORTIE_TEST_PG_URL); PGlite does not go through pg's pool.
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.js';
import { freshDatabaseUrl } from './support/dialects.js';

describe.skipIf(!process.env.SORTIE_TEST_PG_URL)('prepared statements on PostgreSQL', () => {
  let url: string;
  let dispose: () => Promise<void>;
  let database: Database;
  let other: pg.Client;
  const seen: string[] = [];

  beforeEach(async () => {
    ({ url, dispose } = await freshDatabaseUrl('postgres'));
    // One connection, so the statement prepared before the change is the one run after it.
    database = await openDatabase(url, { poolSize: 1 });
    other = new pg.Client({ connectionString: url });
    await other.connect();
    await other.query('create table probe (a int not null)');
    await other.query('insert into probe values (1), (2)');
  });
  afterEach(async () => {
    seen.length = 0;
    await other?.end().catch(() => {});
    await database?.close();
    await dispose?.();
  });

  const readProbe = (db: Database['kysely']) => sql<Record<string, number>>`select * from probe where a >= ${1} order by a`.execute(db);
  const preparedHere = async () =>
    (await sql<{ name: string }>`select name from pg_prepared_statements where statement like ${'%from probe%'}`.execute(database.kysely)).rows.map(
      (r) => r.name,
    );

  it('a statement with parameters is prepared once on the connection and reused', async () => {
    for (let i = 0; i < 3; i++) expect((await readProbe(database.kysely)).rows).toEqual([{ a: 1 }, { a: 2 }]);
    expect(await preparedHere()).toHaveLength(1);
  });

  it('with preparedStatements off (a transaction-mode pooler) nothing is prepared', async () => {
    const plain = await openDatabase(url, { poolSize: 1, preparedStatements: false });
    try {
      for (let i = 0; i < 3; i++) expect((await readProbe(plain.kysely)).rows).toHaveLength(2);
      const names = await sql<{ name: string }>`select name from pg_prepared_statements`.execute(plain.kysely);
      expect(names.rows).toEqual([]);
    } finally {
      await plain.close();
    }
  });

  it('another process alters the table: the next read is prepared again and sees the new column', async () => {
    expect((await readProbe(database.kysely)).rows).toEqual([{ a: 1 }, { a: 2 }]);
    await other.query('alter table probe add column b int not null default 7');
    expect((await readProbe(database.kysely)).rows).toEqual([
      { a: 1, b: 7 },
      { a: 2, b: 7 },
    ]);
    expect(await preparedHere()).toHaveLength(2);
  });

  it('the same inside a write transaction: write() runs it again, the caller sees one answer', async () => {
    expect((await readProbe(database.kysely)).rows).toHaveLength(2);
    await other.query('alter table probe add column b int not null default 7');
    let runs = 0;
    const rows = await database.write(async (tx) => {
      runs++;
      await sql`insert into probe (a) values (${3})`.execute(tx);
      return (await readProbe(tx)).rows;
    });
    expect(rows).toEqual([
      { a: 1, b: 7 },
      { a: 2, b: 7 },
      { a: 3, b: 7 },
    ]);
    expect(runs).toBe(2);
    // The first run's insert was rolled back with it: one row 3, not two.
    expect((await other.query('select count(*)::int as n from probe where a = 3')).rows[0].n).toBe(1);
  });
});
