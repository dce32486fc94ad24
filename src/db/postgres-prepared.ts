// Server-side prepared statements on PostgreSQL: every statement with parameters is parsed once per connection.
//
// Kysely sends each statement unnamed, so PostgreSQL parses, analyses and plans it on every call. Named, it is parsed
// once per pooled connection, and after five runs PostgreSQL may keep a generic plan (plan_cache_mode auto, which
// keeps a custom plan whenever the generic one is estimated costlier). Measured with 8 MCP clients over HTTP claiming
// and completing (a claim-and-complete is 21 statements): PostgreSQL's CPU per claim-and-complete 9.3 → 5.1 ms and
// 65 → 80 claims/s (docs/performance.md). Statements without parameters (BEGIN, COMMIT, migrations' DDL) stay on the
// simple protocol, which also allows several commands in one text.
//
// A prepared statement whose tables another process changed (a replica migrating the schema) fails once with
// "cached plan must not change result type" (0A000): that statement is then prepared again under a new name on that
// connection. Outside a transaction the call is retried at once; inside one the transaction is already aborted, so
// the error is left to write(), which runs the transaction again (isTransient in postgres.ts).
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

/** Distinct statement texts named per process at most; beyond it, a new text runs unnamed (as before). */
const MAX_NAMED = 2000;
const names = new Map<string, string>();

/** PostgreSQL's answer to a prepared statement whose result columns changed since it was prepared. */
export function isStalePlan(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  return e?.code === '0A000' && /cached plan must not change result type/i.test(e.message ?? '');
}

function nameFor(text: string): string | undefined {
  let name = names.get(text);
  if (!name && names.size < MAX_NAMED) {
    name = `sortie_${names.size}`;
    names.set(text, name);
  }
  return name;
}

const TX_START = /^\s*(begin|start\s+transaction)\b/i;
const TX_END = /^\s*(commit|end|rollback(?!\s+to\b))\b/i;

/** Per connection (it outlives each checkout from the pool): statements prepared again after a stale plan, text → the name they have there now. */
const renamedOn = new WeakMap<pg.PoolClient, Map<string, string>>();

/** One checkout of a pooled connection: names its statements, and renames one whose plan went stale. */
function preparingClient(client: pg.PoolClient): PostgresPoolClient {
  let renamed = renamedOn.get(client);
  if (!renamed) {
    renamed = new Map<string, string>();
    renamedOn.set(client, renamed);
  }
  let inTransaction = false;
  const run = <R>(text: string, values: unknown[]): Promise<PostgresQueryResult<R>> => {
    const name = renamed.get(text) ?? nameFor(text);
    return (name ? client.query({ name, text, values }) : client.query(text, values)) as unknown as Promise<PostgresQueryResult<R>>;
  };
  const query = async <R>(text: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> => {
    const values = [...parameters];
    if (values.length === 0) {
      if (TX_START.test(text)) inTransaction = true;
      else if (TX_END.test(text)) inTransaction = false;
      return client.query(text) as unknown as Promise<PostgresQueryResult<R>>;
    }
    try {
      return await run<R>(text, values);
    } catch (error) {
      if (!isStalePlan(error)) throw error;
      renamed.set(text, `${renamed.get(text) ?? nameFor(text)}_${renamed.size + 1}`);
      if (inTransaction) throw error;
      return run<R>(text, values);
    }
  };
  return {
    query: query as PostgresPoolClient['query'],
    release: (destroy?: boolean) => client.release(destroy),
  };
}

/** The pool Kysely's PostgresDialect uses: pg's pool, with every connection preparing its statements. */
export function preparingPool(pool: pg.Pool): PostgresPool {
  return {
    connect: async () => preparingClient(await pool.connect()),
    end: () => pool.end(),
  };
}
