// The status lists of src/core/status-traits.ts as SQL literals, for the raw fragments the query builder cannot
// express (`sum(case when status in … then 1 else 0 end)`): the statement text stays what it was when the lists were
// written by hand, and no status list is written in SQL.
import { type RawBuilder, sql } from 'kysely';

/** `('todo', 'in_progress', …)`: the statuses as a parenthesised list of string literals. */
export function sqlStatusList(statuses: readonly string[]): RawBuilder<unknown> {
  return sql`(${sql.join(statuses.map((s) => sql.lit(s)))})`;
}
