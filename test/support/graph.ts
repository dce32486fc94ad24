// The test oracle for dependency graphs: a mission's tasks and edges read straight from the database, so what the
// dashboard (API or page) draws is checked against what is stored, not against another view of the same code.
import type { Database } from '../../src/db/database.js';

export interface StoredGraph {
  nodes: Array<{ id: string; key: string | null; status: string; claimedBy: string | null; leaseExpiresAt: string | null }>;
  /** Edges as "dependency>dependent", sorted. */
  edges: string[];
}

export async function storedGraph(database: Database, missionId: string): Promise<StoredGraph> {
  const db = database.kysely;
  const rows = await db.selectFrom('tasks').select(['id', 'key', 'status', 'claimed_by', 'lease_expires_at']).where('mission_id', '=', missionId).execute();
  const deps = rows.length
    ? await db
        .selectFrom('task_deps')
        .select(['task_id', 'depends_on_id'])
        .where(
          'task_id',
          'in',
          rows.map((r) => r.id),
        )
        .execute()
    : [];
  return {
    nodes: rows.map((r) => ({ id: r.id, key: r.key, status: r.status, claimedBy: r.claimed_by, leaseExpiresAt: r.lease_expires_at })),
    edges: deps.map((d) => `${d.depends_on_id}>${d.task_id}`).sort(),
  };
}
