// What every dialect (sqlite.ts, postgres.ts) implements: the Database interface the repositories and services use.
import type { Kysely } from 'kysely';
import type { NewEvent, Schema, TasksTable } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

/**
 * A query handle — the database's `kysely` for reads, or a write transaction. Services pass it through to
 * repository functions and never build queries on it: only src/db writes SQL.
 */
export type Db = Kysely<Schema>;

/** A query builder that can take a row-lock clause. */
interface Lockable<Q> {
  forUpdate(): Q;
  forShare(): Q;
  skipLocked(): Q;
}

export interface Database {
  readonly dialect: DialectName;
  /** Where it lives, every credential masked by maskCredentials, for logs, health and CLI output. */
  readonly location: string;
  /** For reads outside a transaction. Writes go through write(). */
  readonly kysely: Kysely<Schema>;
  /**
   * Runs fn in one write transaction and commits, or rolls back and rethrows. Transient lock conflicts
   * (SQLITE_BUSY, PostgreSQL deadlock or serialization failure) roll back and re-run fn, so fn must derive
   * everything from what it reads inside the transaction; no caller ever sees "database is locked".
   */
  write<T>(fn: (tx: Kysely<Schema>) => Promise<T>): Promise<T>;
  /** Adds FOR UPDATE on PostgreSQL; on SQLite the write transaction already holds the database's write lock. */
  forUpdate<Q extends Lockable<Q>>(query: Q): Q;
  /**
   * Adds FOR SHARE on PostgreSQL: holders of a shared lock run side by side, and a FOR UPDATE waits for all of them;
   * a no-op on SQLite, whose write transaction already excludes every writer.
   */
  forShare<Q extends Lockable<Q>>(query: Q): Q;
  /**
   * Whether one write transaction at a time is the dialect's rule (SQLite's one write lock): then what a transaction
   * reads of other rows cannot change before it commits. False on PostgreSQL, where writers that lock different rows
   * run concurrently and each sees only what the others committed before its statement.
   */
  readonly writesSerialized: boolean;
  /** Adds FOR UPDATE SKIP LOCKED on PostgreSQL (claim queues); a no-op on SQLite for the same reason. */
  forUpdateSkipLocked<Q extends Lockable<Q>>(query: Q): Q;
  /** Takes the cross-process migration lock inside a write transaction. */
  lockForMigration(tx: Kysely<Schema>): Promise<void>;
  /**
   * Serializes changes that add dependency edges, until the transaction ends. A cycle check reads edges that other
   * transactions may be adding at the same moment (A→B beside B→A); row locks cannot cover edges that do not exist
   * yet, so PostgreSQL takes one advisory lock. On SQLite the write transaction already excludes every writer.
   */
  lockDependencyGraph(tx: Kysely<Schema>): Promise<void>;
  /**
   * Serializes the claims of one agent instance, until the transaction ends: the in-progress limit counts that
   * instance's other claims, and two concurrent claims of two different tasks would each lock only their own row and
   * both pass the count. PostgreSQL takes an advisory lock on the pair (in every project: claim_next_task takes it
   * before it knows the project, so that its one statement can count); on SQLite the write transaction already
   * excludes every writer.
   */
  lockClaimsOf(tx: Kysely<Schema>, holder: { agent: string; instance: string | null }): Promise<void>;
  /**
   * claim_next_task's one statement (sqlite-claim.ts, postgres-claim.ts): claims the best ready task the caller may
   * claim under its in-progress limit and returns it, or undefined. Take lockClaimsOf first.
   */
  claimNext(tx: Kysely<Schema>, claim: ClaimNext): Promise<ClaimedTask | undefined>;
  /**
   * Copies committed WAL frames into the database file without waiting for readers or writers (SQLite's PASSIVE
   * checkpoint; a no-op on PostgreSQL). Server processes call it from their sweep timer: commits never checkpoint
   * themselves (sqlite.ts), so the copying stays off the commit path.
   */
  checkpoint(): Promise<void>;
  /**
   * Appends a transaction's events with the next sequence numbers and returns the last one, which is announced to
   * other processes when the transaction commits (PostgreSQL: one statement, postgres-events.ts; SQLite has no push
   * channel). Call it last but for the messages of those events (see events-repo's appendEvents for why).
   */
  appendEvents(tx: Kysely<Schema>, events: readonly NewEvent[]): Promise<number>;
  /** Announces a committed event sequence number to other processes (inside the transaction; sent on commit). */
  notify(tx: Kysely<Schema>, seq: number): Promise<void>;
  /**
   * Calls onSeq when another process commits events. Returns a stop function, or null where the dialect has
   * no push channel (SQLite), in which case callers poll.
   */
  listen(onSeq: (seq: number) => void): Promise<(() => Promise<void>) | null>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** SQLite busy timeout in ms (how long a writer waits for another process's write lock per attempt). */
  busyTimeoutMs?: number;
  /** PostgreSQL pool size. */
  poolSize?: number;
  /**
   * PostgreSQL: prepare each statement once per connection (postgres-prepared.ts). Default on; off (or
   * SORTIE_PG_PREPARE=off) for a pooler that hands one client's statements to different server connections, such as
   * PgBouncer in transaction mode before 1.21.
   */
  preparedStatements?: boolean;
  /** Receives every executed statement (benchmarks use it to EXPLAIN the hot queries). */
  onQuery?: (sql: string, parameters: readonly unknown[]) => void;
}

/**
 * A task claim_next_task claimed, and whether it has dependencies and evidence — asked in the claim's own statement, so
 * the answer's view reads them only when there are some (most tasks have no evidence when they are claimed).
 */
export interface ClaimedTask {
  row: TasksTable;
  hasDeps: boolean;
  hasEvidence: boolean;
}

/** What claim_next_task claims: the caller, the filters it gave, and the lease it gets. */
export interface ClaimNext {
  agent: string;
  /** The caller's instance; null for the agent's default instance. */
  instance: string | null;
  missionId?: string;
  project?: string;
  /** Token scope: only these projects (undefined = all). */
  projects?: readonly string[];
  now: string;
  /** The lease of a task without a lease of its own, or of every task when the caller named leaseMinutes. */
  lease: string;
  /** Whether the caller named leaseMinutes; if not, a task with its own lease_ms comes back with a null lease to set. */
  fixedLease: boolean;
}
