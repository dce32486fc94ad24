// `sortie db copy`: moves every table of one database (an embedded SQLite file) into another (PostgreSQL),
// in one target transaction, and proves nothing was lost: row counts and per-table checksums of both sides.
//
// Contracts:
// - Both databases are migrated first, so they have the same tables; the copy refuses if their columns differ.
// - The target must be empty (no rows beyond the migration's zeroed counters) unless `replace` is set, which
//   deletes what the target's copied tables hold, inside the same transaction.
// - The source is read inside one read transaction (a consistent snapshot even if a server is still writing).
// - Verification reads the target back inside the copy transaction; any mismatch rolls everything back and
//   throws CopyMismatchError carrying the report, so a failed copy leaves the target as it was.
// - A table's checksum is the sum, modulo 2^256, of the SHA-256 of each row's canonical JSON (columns by name,
//   values normalized): independent of row order, so the two databases' different collations cannot disagree.
import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { DomainError } from '../core/errors.js';
import type { Database } from './database.js';
import { migrate } from './migrate.js';

// biome-ignore lint/suspicious/noExplicitAny: tables are discovered at run time, so rows are untyped here
type AnyDb = Kysely<any>;
type Row = Record<string, unknown>;

/** Bookkeeping tables each database keeps for itself. */
const SKIPPED = new Set(['sortie_migrations']);
/** Seeded by the first migration with zeroed values; an unused target holds exactly that. */
const COUNTERS = 'counters';
const MOD = 1n << 256n;
/** PostgreSQL takes at most 65,535 bound parameters per statement; stay well under. */
const MAX_PARAMS = 30_000;

export interface TableCopy {
  table: string;
  sourceRows: number;
  targetRows: number;
  sourceChecksum: string;
  targetChecksum: string;
  ok: boolean;
}

export interface CopyReport {
  source: string;
  target: string;
  replaced: boolean;
  tables: TableCopy[];
  ok: boolean;
}

/** A copy whose target does not read back what it was given: a refusal (CONFLICT) carrying the report. */
export class CopyMismatchError extends DomainError {
  constructor(readonly report: CopyReport) {
    const bad = report.tables.filter((t) => !t.ok).map((t) => `${t.table} (${t.sourceRows} → ${t.targetRows} rows)`);
    super(
      'CONFLICT',
      `copy verification failed for ${bad.join(', ')}: the target was rolled back and holds nothing of this copy`,
      'Check what on the target alters rows it is given (a trigger, a rule, a column default), then copy again.',
    );
    this.name = 'CopyMismatchError';
  }
}

interface TableInfo {
  name: string;
  columns: string[];
  primaryKey: string[];
}

/**
 * The user tables of a database with their columns and primary key. Introspection is the one place here that
 * differs by dialect (SQLite's table_info pragma, PostgreSQL's catalog).
 */
async function describeTables(database: Database): Promise<Map<string, TableInfo>> {
  const tables = await database.kysely.introspection.getTables();
  const out = new Map<string, TableInfo>();
  for (const t of tables) {
    if (t.isView || SKIPPED.has(t.name)) continue;
    if (database.dialect === 'postgres' && t.schema !== undefined && t.schema !== 'public') continue;
    out.set(t.name, { name: t.name, columns: t.columns.map((c) => c.name).sort(), primaryKey: await primaryKey(database, t.name) });
  }
  return out;
}

async function primaryKey(database: Database, table: string): Promise<string[]> {
  if (database.dialect === 'sqlite') {
    const result = await sql<{ name: string; pk: number }>`select name, pk from pragma_table_info(${table})`.execute(database.kysely);
    return result.rows
      .filter((r) => Number(r.pk) > 0)
      .sort((a, b) => Number(a.pk) - Number(b.pk))
      .map((r) => r.name);
  }
  const result = await sql<{ name: string }>`
    select a.attname as name
    from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
    where i.indrelid = ${`public.${table}`}::regclass and i.indisprimary
    order by array_position(i.indkey::int2[], a.attnum)`.execute(database.kysely);
  return result.rows.map((r) => r.name);
}

/** One value as both databases must agree on it: integers as numbers, text as text, bytes as base64. */
function normalize(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return { base64: Buffer.from(value).toString('base64') };
  return value;
}

class Checksum {
  rows = 0;
  private sum = 0n;
  constructor(private readonly columns: readonly string[]) {}

  add(row: Row): void {
    const canonical = JSON.stringify(this.columns.map((c) => normalize(row[c])));
    this.sum = (this.sum + BigInt(`0x${createHash('sha256').update(canonical).digest('hex')}`)) % MOD;
    this.rows += 1;
  }

  get hex(): string {
    return this.sum.toString(16).padStart(64, '0');
  }
}

/** Reads a table in primary-key order, a page at a time (keyset pagination, so each page is an index seek). */
async function* pages(db: AnyDb, table: TableInfo, pageSize: number): AsyncGenerator<Row[]> {
  const pk = table.primaryKey;
  if (pk.length === 0) {
    // No key to page by: one read. Sortie's own tables all have primary keys.
    yield (await db.selectFrom(table.name).selectAll().execute()) as Row[];
    return;
  }
  let after: unknown[] | null = null;
  for (;;) {
    let q = db.selectFrom(table.name).selectAll();
    if (after) {
      const last = after;
      q =
        pk.length === 1
          ? q.where(pk[0], '>', last[0])
          : q.where((eb) => eb(eb.refTuple(...(pk as [string, string])), '>', eb.tuple(...(last as [unknown, unknown]))));
    }
    for (const column of pk) q = q.orderBy(column);
    const rows = (await q.limit(pageSize).execute()) as Row[];
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < pageSize) return;
    const tail = rows[rows.length - 1];
    after = pk.map((c) => tail[c]);
  }
}

async function occupancy(tx: AnyDb, tables: readonly TableInfo[]): Promise<string[]> {
  const busy: string[] = [];
  for (const t of tables) {
    if (t.name === COUNTERS) {
      const row = await tx
        .selectFrom(COUNTERS)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('value', '!=', 0)
        .executeTakeFirst();
      if (Number(row?.n ?? 0) > 0) busy.push(`${COUNTERS} (non-zero)`);
      continue;
    }
    const row = await tx
      .selectFrom(t.name)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    const n = Number(row?.n ?? 0);
    if (n > 0) busy.push(`${t.name} (${n})`);
  }
  return busy;
}

export interface CopyOptions {
  /** Delete what the target's copied tables hold first (the copy otherwise refuses a non-empty target). */
  replace?: boolean;
  /** Rows read per page. */
  pageSize?: number;
}

/** Copies every table of `source` into `target` and verifies it; see the module contracts above. */
export async function copyDatabase(source: Database, target: Database, options: CopyOptions = {}): Promise<CopyReport> {
  const pageSize = options.pageSize ?? 1000;
  await migrate(source);
  await migrate(target);
  const sourceTables = await describeTables(source);
  const targetTables = await describeTables(target);
  const tables = [...sourceTables.values()].sort((a, b) => a.name.localeCompare(b.name));
  for (const t of tables) {
    const other = targetTables.get(t.name);
    if (!other || other.columns.join(',') !== t.columns.join(',')) {
      throw new DomainError(
        'CONFLICT',
        `table ${t.name} differs between source and target (${other ? `columns ${other.columns.join(', ')}` : 'missing in the target'})`,
        'Both databases were migrated by this version of Sortie; a table it does not know comes from a newer version: copy with that version.',
        { table: t.name },
      );
    }
  }
  const copied = await source.kysely.transaction().execute(async (src) =>
    target.write(async (txTyped) => {
      const tx = txTyped as AnyDb;
      const read = src as AnyDb;
      const busy = await occupancy(tx, tables);
      if (busy.length > 0 && !options.replace) {
        throw new DomainError(
          'CONFLICT',
          `the target database is not empty: ${busy.join(', ')}`,
          'Copy into a freshly created database, or pass --replace to delete what the target holds first (it is deleted in the same transaction as the copy).',
          { occupied: busy },
        );
      }
      for (const t of tables) if (options.replace || t.name === COUNTERS) await tx.deleteFrom(t.name).execute();

      const report: TableCopy[] = [];
      for (const t of tables) {
        const sourceSum = new Checksum(t.columns);
        const chunk = Math.max(1, Math.floor(MAX_PARAMS / Math.max(1, t.columns.length)));
        for await (const rows of pages(read, t, pageSize)) {
          for (const row of rows) sourceSum.add(row);
          for (let i = 0; i < rows.length; i += chunk) {
            const values = rows.slice(i, i + chunk).map((r) => Object.fromEntries(t.columns.map((c) => [c, normalizeForInsert(r[c])])));
            await tx.insertInto(t.name).values(values).execute();
          }
        }
        const targetSum = new Checksum(t.columns);
        for await (const rows of pages(tx, t, pageSize)) for (const row of rows) targetSum.add(row);
        report.push({
          table: t.name,
          sourceRows: sourceSum.rows,
          targetRows: targetSum.rows,
          sourceChecksum: sourceSum.hex,
          targetChecksum: targetSum.hex,
          ok: sourceSum.rows === targetSum.rows && sourceSum.hex === targetSum.hex,
        });
      }
      const result: CopyReport = {
        source: source.location,
        target: target.location,
        replaced: options.replace ?? false,
        tables: report,
        ok: report.every((t) => t.ok),
      };
      if (!result.ok) throw new CopyMismatchError(result);
      return result;
    }),
  );
  // A bulk load leaves PostgreSQL's planner statistics empty until autovacuum reaches the tables, and with empty
  // statistics the hot queries lose their index plans (measured: the ready queue at 1M tasks went from ~2 ms to
  // ~260 ms). Refresh them before anyone uses the copy.
  if (target.dialect === 'postgres') await sql`analyze`.execute(target.kysely);
  return copied;
}

function normalizeForInsert(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  return value ?? null;
}
