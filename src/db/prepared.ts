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

/** A statement built once per dialect: the builder uses slots() for every value that changes from run to run. */
export interface Prepared<R, C = undefined> {
  /** `context` reaches the builder the first time the statement runs on a dialect (e.g. the Database, for its lock clause). */
  run(db: Db, values: readonly unknown[], context?: C): Promise<QueryResult<R>>;
}

/**
 * Compiles `build(db, context)` the first time it runs on a dialect and reuses the text after that, binding `values`
 * in place of the slots; values the builder wrote in (constants) stay as compiled. The statement's shape must not
 * depend on the values (a list whose length varies is another statement: see preparedByShape).
 */
export function prepared<R, C = undefined>(build: (db: Db, context: C) => Compilable<R> | RawBuilder<R>): Prepared<R, C> {
  // Keyed by the dialect's adapter: one object per Kysely instance (so per Database), shared by its transactions.
  const compiled = new WeakMap<object, CompiledQuery<R>>();
  return {
    run(db, values, context) {
      // getExecutor is Kysely's own route from a handle to its dialect (marked internal; kysely is pinned to 0.28.x).
      const adapter = db.getExecutor().adapter;
      let query = compiled.get(adapter);
      if (!query) {
        // A builder compiles for the handle it was built on, a raw statement for the one it is given: either way, db.
        query = (build(db, context as C) as { compile(db: Db): CompiledQuery<R> }).compile(db);
        compiled.set(adapter, query);
      }
      const parameters = query.parameters.map((p) => (p instanceof Slot ? values[p.index] : p));
      return db.executeQuery(CompiledQuery.raw(query.sql, parameters) as CompiledQuery<R>);
    },
  };
}

/**
 * One prepared statement per shape (which columns a patch sets, how many rows an insert has): `shape` names it, and
 * `build` makes it for that shape the first time. Shapes are few (the use cases' patches), but the map is bounded.
 */
export function preparedByShape<R, S, C = undefined>(build: (db: Db, shape: S, context: C) => Compilable<R> | RawBuilder<R>) {
  const family = new Map<string, Prepared<R, C>>();
  return (key: string, shape: S): Prepared<R, C> => {
    let statement = family.get(key);
    if (!statement) {
      if (family.size >= 200) family.clear();
      statement = prepared<R, C>((db, context) => build(db, shape, context));
      family.set(key, statement);
    }
    return statement;
  };
}
