// Runs the frozen, ordered migrations once, under a cross-process lock, so many processes may start at once.
import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import * as m0001 from './migrations/0001_init.js';
import * as m0002 from './migrations/0002_templates_recurring.js';
import * as m0003 from './migrations/0003_tokens.js';
import * as m0004 from './migrations/0004_mission_open_tasks.js';
import * as m0005 from './migrations/0005_template_projects.js';
import * as m0006 from './migrations/0006_inbox_pause_limits.js';
import * as m0007 from './migrations/0007_github.js';
import * as m0008 from './migrations/0008_lean_task_indexes.js';
import type { Schema } from './schema.js';

interface Migration {
  name: string;
  up(db: Kysely<unknown>): Promise<void>;
}

export const MIGRATIONS: readonly Migration[] = [m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008];

/** Applies pending migrations; returns the names applied by this call (empty when another process did them). */
export async function migrate(database: Database): Promise<string[]> {
  return database.write(async (tx) => {
    await database.lockForMigration(tx);
    await sql`create table if not exists sortie_migrations (name text primary key, applied_at text not null)`.execute(tx);
    const done = new Set((await tx.selectFrom('sortie_migrations').select('name').execute()).map((r) => r.name));
    const applied: string[] = [];
    for (const migration of MIGRATIONS) {
      if (done.has(migration.name)) continue;
      await migration.up(tx as unknown as Kysely<unknown>);
      await tx.insertInto('sortie_migrations').values({ name: migration.name, applied_at: new Date().toISOString() }).execute();
      applied.push(migration.name);
    }
    return applied;
  });
}

export async function migrationStatus(database: Database): Promise<{ name: string; appliedAt: string | null }[]> {
  const rows = await (database.kysely as Kysely<Schema>)
    .selectFrom('sortie_migrations')
    .selectAll()
    .execute()
    .catch(() => []);
  const applied = new Map(rows.map((r) => [r.name, r.applied_at]));
  return MIGRATIONS.map((m) => ({ name: m.name, appliedAt: applied.get(m.name) ?? null }));
}
