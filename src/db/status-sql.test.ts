// The status lists as SQL: literals in the statement text, quoted, never parameters.
import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { sqlStatusList } from './status-sql.js';

const db = new Kysely<Record<string, never>>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new SqliteIntrospector(k),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
});

describe('sqlStatusList', () => {
  it('renders the statuses as a list of string literals', () => {
    const compiled = sql`status in ${sqlStatusList(['done', 'cancelled'])}`.compile(db);
    expect(compiled.sql).toBe("status in ('done', 'cancelled')");
    expect(compiled.parameters).toEqual([]);
  });
});
