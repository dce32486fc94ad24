// Seeds a database with realistic volume fast (bulk inserts in one transaction), for benchmarks only.
import { type Kysely, sql } from 'kysely';
import { type MissionStatus, PRIORITIES, priorityRank } from '../src/core/enums.js';
import type { Database } from '../src/db/database.js';
import type { MissionsTable, Schema, TasksTable } from '../src/db/schema.js';

export interface SeedOptions {
  /** Total tasks to create. */
  tasks: number;
  /** Tasks per mission. */
  perMission: number;
  /** Fraction of tasks already done (history), the rest todo. */
  doneFraction: number;
  agents: string[];
  project?: string;
  /** Missions start in execute so their tasks can be claimed. */
  status?: MissionStatus;
  /** Chain each mission's tasks (T1 depends on T0 …) or leave them independent (a claim pool). */
  chained?: boolean;
}

const BATCH = 400;

let counter = 0;
/** Sortable unique ids without the clock (ULID-shaped, 26 chars). */
export function seedId(prefix: string): string {
  counter += 1;
  return `${prefix}${String(counter).padStart(25 - prefix.length, '0')}X`.slice(0, 26);
}

async function insertBatched<T extends keyof Schema>(tx: Kysely<Schema>, table: T, rows: Schema[T][]): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) {
    await tx
      .insertInto(table)
      // biome-ignore lint/suspicious/noExplicitAny: generic bulk insert over any table
      .values(rows.slice(i, i + BATCH) as any)
      .execute();
  }
}

/** Returns the ids of the missions created, in order. */
export async function seed(database: Database, options: SeedOptions): Promise<string[]> {
  const now = new Date().toISOString();
  const project = options.project ?? 'bench';
  const missionIds: string[] = [];
  const missionCount = Math.ceil(options.tasks / options.perMission);
  for (let offset = 0; offset < missionCount; offset += 50) {
    await database.write(async (tx) => {
      const missions: MissionsTable[] = [];
      const members: Schema['mission_members'][] = [];
      const tasks: TasksTable[] = [];
      const deps: Schema['task_deps'][] = [];
      for (let m = offset; m < Math.min(missionCount, offset + 50); m++) {
        const id = seedId('M');
        missionIds.push(id);
        const pilot = options.agents[m % options.agents.length];
        const n = Math.min(options.perMission, options.tasks - m * options.perMission);
        missions.push({
          id,
          project,
          name: `bench-${m}`,
          description: null,
          brief: null,
          priority: 'medium',
          pilot,
          agents: JSON.stringify(options.agents),
          status: options.status ?? 'execute',
          progress: null,
          progress_note: null,
          template_name: null,
          template_version: null,
          deliverables: '[]',
          start_date: null,
          target_date: null,
          created_by: pilot,
          created_at: now,
          updated_at: now,
          completed_at: null,
          cancelled_by: null,
          cancel_reason: null,
          next_task_seq: n,
          brief_source: null,
        });
        for (const a of options.agents) members.push({ mission_id: id, agent: a, role: a === pilot ? 'pilot' : 'agent' });
        let previous: string | null = null;
        for (let s = 0; s < n; s++) {
          const taskId = seedId('T');
          const done = s < Math.floor(n * options.doneFraction);
          const priority = PRIORITIES[(s * 7 + m) % 4];
          tasks.push({
            id: taskId,
            mission_id: id,
            seq: s,
            key: `T${s}`,
            project,
            title: `step ${s} of mission ${m}`,
            description: null,
            assigned_to: null,
            assigned_to_instance: null,
            priority,
            urgency: 3 - priorityRank(priority),
            status: done ? 'done' : 'todo',
            tags: '[]',
            required_evidence: '[]',
            due_date: null,
            estimated_minutes: null,
            lease_ms: null,
            created_by: pilot,
            created_at: now,
            updated_at: now,
            started_at: done ? now : null,
            completed_at: done ? now : null,
            completion_note: done ? 'seeded, commit 3f2c9e1' : null,
            allow_no_evidence: null,
            blocked_reason: null,
            blocked_on_task_id: null,
            blocked_cause: null,
            blocked_by: null,
            claimed_by: null,
            last_holder: done ? pilot : null,
            claimed_by_instance: null,
            lease_expires_at: null,
            epoch: done ? 1 : 0,
            cancel_reason: null,
            failure_note: null,
            reopen_reason: null,
            paused_at: null,
            paused_reason: null,
          });
          if (options.chained && previous) deps.push({ task_id: taskId, depends_on_id: previous });
          previous = taskId;
        }
      }
      await insertBatched(tx, 'missions', missions);
      await insertBatched(tx, 'mission_members', members);
      await insertBatched(tx, 'tasks', tasks);
      await insertBatched(tx, 'task_deps', deps);
    });
  }
  // A bulk load leaves PostgreSQL's planner statistics empty until autovacuum gets to the tables; a database that
  // grew by normal use has them. Measure that steady state, not the minutes after a bulk insert.
  if (database.dialect === 'postgres') await sql`analyze`.execute(database.kysely);
  return missionIds;
}
