// Statements of the hot path compiled once per dialect and reused: building and compiling a query with Kysely cost
// 6–40 µs a statement, about a quarter of a claim-and-complete cycle's CPU in the profile (docs/performance.md).
import { type Compilable, CompiledQuery, type QueryResult, type RawBuilder } from 'kysely';
import type { Db } from './dialect.js';

/** A parameter the statement is compiled with and bound at each run: the index of its value in the run's list. */
class Slot {
  constructor(readonly index: number) {}
}

/** Placeholders for a statement's values, in the order the run passes them: `const [id, now] = slots(2)`. */
export function slots(n: number): never[] {
  return Array.from({ length: n }, (_, i) => new Slot(i) as never);
}

/** A statement built once: the builder uses slots() for every value that changes from run to run. */
export interface Prepared<R> {
  run(db: Db, values: readonly unknown[]): Promise<QueryResult<R>>;
}

/**
 * Compiles `build()` the first time it runs on a dialect and reuses the text after that, binding `values` in place of
 * the slots; values the builder wrote in (constants) stay as compiled. The statement's shape must not depend on the
 * values (a list whose length varies is not one statement): such a query stays a builder.
 */
export function prepared<R>(build: (db: Db) => Compilable<R> | RawBuilder<R>): Prepared<R> {
  // Keyed by the dialect's adapter: one object per Kysely instance, shared by its transactions and connections.
  const compiled = new WeakMap<object, CompiledQuery<R>>();
  return {
    run(db, values) {
      // getExecutor is Kysely's own route from a handle to its dialect (marked internal; kysely is pinned to 0.28.x).
      const adapter = db.getExecutor().adapter;
      let query = compiled.get(adapter);
      if (!query) {
        // A builder compiles for the handle it was built on, a raw statement for the one it is given: either way, db.
        query = (build(db) as { compile(db: Db): CompiledQuery<R> }).compile(db);
        compiled.set(adapter, query);
      }
      const parameters = query.parameters.map((p) => (p instanceof Slot ? values[p.index] : p));
      return db.executeQuery(CompiledQuery.raw(query.sql, parameters) as CompiledQuery<R>);
    },
  };
}
