// The tables as Kysely sees them: one interface per table, same columns on SQLite and PostgreSQL.
// Conventions: ULID text ids, ISO-8601 UTC text timestamps, JSON as text, integers instead of booleans.

export interface MissionsTable {
  id: string;
  project: string;
  name: string;
  description: string | null;
  brief: string | null;
  priority: string;
  pilot: string;
  agents: string;
  status: string;
  progress: number | null;
  progress_note: string | null;
  template_name: string | null;
  template_version: number | null;
  deliverables: string;
  start_date: string | null;
  target_date: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  cancelled_by: string | null;
  cancel_reason: string | null;
  next_task_seq: number;
}

export interface MissionMembersTable {
  mission_id: string;
  agent: string;
  role: string;
}

export interface TasksTable {
  id: string;
  mission_id: string | null;
  seq: number | null;
  key: string | null;
  project: string;
  title: string;
  description: string | null;
  assigned_to: string | null;
  assigned_to_instance: string | null;
  priority: string;
  /** 0 = urgent … 3 = low, so "most urgent, then oldest" is one ascending index scan. */
  urgency: number;
  status: string;
  tags: string;
  required_evidence: string;
  due_date: string | null;
  estimated_minutes: number | null;
  lease_ms: number | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  completed_at: string | null;
  completion_note: string | null;
  allow_no_evidence: string | null;
  blocked_reason: string | null;
  blocked_on_task_id: string | null;
  blocked_cause: string | null;
  blocked_by: string | null;
  claimed_by: string | null;
  /** The last agent to hold a claim; kept after release or expiry so its late writes get LEASE_LOST. */
  last_holder: string | null;
  claimed_by_instance: string | null;
  lease_expires_at: string | null;
  epoch: number;
  cancel_reason: string | null;
  failure_note: string | null;
  reopen_reason: string | null;
}

export interface TaskDepsTable {
  task_id: string;
  depends_on_id: string;
}

export interface EvidenceTable {
  id: string;
  project: string;
  mission_id: string | null;
  task_id: string | null;
  deliverable: string | null;
  kind: string;
  value: string;
  note: string | null;
  source: string;
  verification: string;
  verification_detail: string | null;
  checked_at: string | null;
  created_by: string;
  created_at: string;
  superseded_by: string | null;
}

export interface EventsTable {
  seq: number;
  at: string;
  actor: string;
  kind: string;
  project: string;
  mission_id: string | null;
  task_id: string | null;
  details: string;
}

export interface CountersTable {
  name: string;
  value: number;
}

export interface ProjectsTable {
  name: string;
  repo_path: string | null;
  repo_url: string | null;
  created_at: string;
  updated_at: string;
}

export interface MigrationsTable {
  name: string;
  applied_at: string;
}

export interface Schema {
  missions: MissionsTable;
  mission_members: MissionMembersTable;
  tasks: TasksTable;
  task_deps: TaskDepsTable;
  evidence: EvidenceTable;
  events: EventsTable;
  counters: CountersTable;
  projects: ProjectsTable;
  sortie_migrations: MigrationsTable;
}
