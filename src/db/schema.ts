// The tables as Kysely sees them: one interface per table, same columns on SQLite and PostgreSQL.
// Conventions: ULID text ids, ISO-8601 UTC text timestamps, JSON as text, integers instead of booleans. Enum columns
// are typed with the core's unions: only code that type-checks against them writes those columns.
import type { MissionStatus, Priority, TaskStatus } from '../core/enums.js';

export interface MissionsTable {
  id: string;
  project: string;
  name: string;
  description: string | null;
  brief: string | null;
  priority: Priority;
  pilot: string;
  agents: string;
  status: MissionStatus;
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
  /** JSON GithubBriefSource when the brief is outside text (a GitHub issue's body); null for a brief written here. */
  brief_source: string | null;
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
  priority: Priority;
  /** 0 = urgent … 3 = low, so "most urgent, then oldest" is one ascending index scan. */
  urgency: number;
  status: TaskStatus;
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
  paused_at: string | null;
  paused_reason: string | null;
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

/** An event as a use case records it: the database numbers it (seq) when it commits. */
export type NewEvent = Omit<EventsTable, 'seq'>;

/** One message of an agent's inbox, written in the transaction of the change that caused it. */
export interface MessagesTable {
  id: string;
  /** The sequence number of the causing event; an agent's messages are ordered by (seq, id). */
  seq: number;
  /** The recipient. */
  agent: string;
  kind: string;
  project: string;
  mission_id: string | null;
  task_id: string | null;
  /** Who caused it: the agent that made the change or sent the message ("sortie" for the server's own work). */
  author: string;
  text: string;
  details: string;
  created_at: string;
  read_at: string | null;
}

export interface CountersTable {
  name: string;
  value: number;
}

export interface ProjectsTable {
  name: string;
  repo_path: string | null;
  repo_url: string | null;
  /** Tasks in progress allowed per agent instance: null is the default (1), 0 turns the limit off. */
  max_in_progress: number | null;
  created_at: string;
  updated_at: string;
}

export interface TokensTable {
  id: string;
  agent: string;
  role: string;
  /** JSON list of project names, or null for every project. */
  projects: string | null;
  /** Hex SHA-256 of the secret; the secret itself is never stored. */
  secret_hash: string;
  note: string | null;
  created_by: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
}

/** One version of a mission template saved in one project; JSON as text. A save inserts a row, never updates one. */
export interface MissionTemplatesTable {
  id: string;
  project: string;
  name: string;
  version: number;
  description: string | null;
  brief: string | null;
  deliverables: string;
  steps: string;
  is_default: number;
  created_by: string;
  created_at: string;
  deleted_at: string | null;
}

/** A recurring work definition: a task (kind 'task') or a mission from a template (kind 'mission') per due time. */
export interface RecurringDefinitionsTable {
  id: string;
  project: string;
  kind: string;
  title: string;
  description: string | null;
  priority: Priority;
  assigned_to: string | null;
  assigned_to_instance: string | null;
  tags: string;
  required_evidence: string;
  template_name: string | null;
  template_version: number | null;
  pilot: string | null;
  agents: string;
  context: string;
  brief: string | null;
  cron_expression: string;
  timezone: string;
  /** 'skip' (no new instance while the previous one is open) or 'allow'. */
  overlap: string;
  paused: number;
  next_run_at: string | null;
  last_run_at: string | null;
  last_error: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

/** One handled due time of a definition; the key (recurring_id, due_at) makes each due time happen once. */
export interface RecurringRunsTable {
  recurring_id: string;
  due_at: string;
  /** 'created', 'skipped' (overlap) or 'failed'. */
  outcome: string;
  task_id: string | null;
  mission_id: string | null;
  error: string | null;
  created_at: string;
}

/** A repository linked to a project: its webhook secret and how its issues become missions. */
export interface GithubLinksTable {
  /** "owner/name" in lower case. */
  repo: string;
  display_name: string;
  project: string;
  pilot: string;
  /** JSON list of agent names. */
  agents: string;
  template: string;
  label: string | null;
  /** JSON list of check names that must pass; empty: every check reported on the head. */
  required_checks: string;
  secret: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** A webhook delivery handled once: its X-GitHub-Delivery id is the key. */
export interface GithubDeliveriesTable {
  id: string;
  repo: string;
  event: string;
  action: string | null;
  /** applied | ignored */
  outcome: string;
  detail: string | null;
  received_at: string;
}

/** The one mission an issue of a linked repository became. */
export interface GithubIssuesTable {
  repo: string;
  number: number;
  mission_id: string;
  title: string;
  author: string | null;
  url: string | null;
  /** open | closed */
  state: string;
  created_at: string;
  updated_at: string;
}

/** What GitHub last reported of a pull request. */
export interface GithubPullsTable {
  repo: string;
  number: number;
  head_sha: string | null;
  previous_head_sha: string | null;
  /** open | closed */
  state: string;
  merged: number;
  merged_at: string | null;
  merge_commit_sha: string | null;
  url: string | null;
  source_updated_at: string | null;
  updated_at: string;
}

/** The latest result of one check (a check run, a check suite or a commit status) on one commit. */
export interface GithubChecksTable {
  repo: string;
  sha: string;
  /** check_run | check_suite | status */
  source: string;
  name: string;
  external_id: string;
  /** queued | in_progress | completed */
  status: string;
  conclusion: string | null;
  url: string | null;
  source_updated_at: string | null;
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
  messages: MessagesTable;
  counters: CountersTable;
  projects: ProjectsTable;
  tokens: TokensTable;
  mission_templates: MissionTemplatesTable;
  recurring_definitions: RecurringDefinitionsTable;
  recurring_runs: RecurringRunsTable;
  github_links: GithubLinksTable;
  github_deliveries: GithubDeliveriesTable;
  github_issues: GithubIssuesTable;
  github_pulls: GithubPullsTable;
  github_checks: GithubChecksTable;
  sortie_migrations: MigrationsTable;
}
