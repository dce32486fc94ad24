// The PostgreSQL dialect: a pg pool (or PGlite in tests), row locks, advisory-locked migrations, LISTEN/NOTIFY.
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database, OpenOptions } from './dialect.js';
import { maskCredentials } from './mask-credentials.js';
import { postgresClaimNext } from './postgres-claim.js';
import { appendEventsPostgres } from './postgres-events.js';
import { isStalePlan, preparingPool } from './postgres-prepared.js';
import { backoffMs, sleep } from './retry.js';
import type { Schema } from './schema.js';

const CHANNEL = 'sortie_events';
/** Arbitrary constant key for pg_advisory_xact_lock: "sortie" in ASCII digits. */
const MIGRATION_LOCK_KEY = 7_367_274;
/** Advisory lock key for dependency-edge additions (cycle checks). */
const DEPENDENCY_LOCK_KEY = 7_367_275;
/**
 * First key of the two-key advisory locks that serialize one agent instance's claims (the second is the hash of the
 * pair). The two-key space never overlaps the one-key locks above; a hash collision only makes two
 * unrelated instances' claims wait for each other.
 */
const CLAIMS_LOCK_SPACE = 7_367_276;
const MAX_WRITE_ATTEMPTS = 20;

/** Serialization failure, deadlock, or a prepared statement gone stale (re-prepared on the next run). */
function isTransient(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === '40001' || code === '40P01' || isStalePlan(error);
}

// PostgreSQL returns COUNT(*) and other int8 values as strings by default; our counts fit in a JS number.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

function shared(kysely: Kysely<Schema>, location: string): Omit<Database, 'listen' | 'close'> {
  return {
    dialect: 'postgres',
    location,
    kysely,
    async write(fn) {
      for (let attempt = 0; ; attempt++) {
        try {
          return await kysely.transaction().execute(fn);
        } catch (error) {
          if (!isTransient(error) || attempt >= MAX_WRITE_ATTEMPTS) throw error;
          await sleep(backoffMs(attempt));
        }
      }
    },
    forUpdate: (q) => q.forUpdate(),
    forShare: (q) => q.forShare(),
    writesSerialized: false,
    forUpdateSkipLocked: (q) => q.forUpdate().skipLocked(),
    async lockForMigration(tx) {
      await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(tx);
    },
    async lockDependencyGraph(tx) {
      await sql`select pg_advisory_xact_lock(${DEPENDENCY_LOCK_KEY})`.execute(tx);
    },
    async lockClaimsOf(tx, { agent, instance }) {
      // JSON keeps the pair unambiguous (an instance named like "a:b" cannot pose as another split).
      const key = JSON.stringify([agent, instance]);
      await sql`select pg_advisory_xact_lock(${CLAIMS_LOCK_SPACE}, hashtext(${key}))`.execute(tx);
    },
    claimNext: postgresClaimNext,
    appendEvents: (tx, events) => appendEventsPostgres(tx, events, CHANNEL),
    async checkpoint() {},
    async notify(tx, seq) {
      // The payload is only the sequence number; listeners read the events themselves.
      await sql`select pg_notify(${CHANNEL}, ${String(seq)})`.execute(tx);
    },
  };
}

export function openPostgres(url: string, options: OpenOptions): Database {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
  // An idle pooled connection that dies (server restart, network cut) emits 'error' on the pool; unhandled, that
  // would kill the process. The pool drops the client and the next query opens a fresh connection.
  pool.on('error', () => {});
  const kysely = new Kysely<Schema>({
    dialect: new PostgresDialect({ pool: (options.preparedStatements ?? process.env.SORTIE_PG_PREPARE !== 'off') ? preparingPool(pool) : pool }),
    log: options.onQuery
      ? (e) => {
          if (e.level === 'query') options.onQuery?.(e.query.sql, e.query.parameters);
        }
      : undefined,
  });
  return {
    ...shared(kysely, maskCredentials(url)),
    listen: (onSeq) => listenWithReconnect(url, onSeq),
    async close() {
      await kysely.destroy();
    },
  };
}

/**
 * LISTEN on a dedicated connection that comes back by itself: when it drops (server restart, failover, idle
 * cut) it reconnects with backoff (up to 5 s) and then calls onSeq(0) once, because notifications sent while it
 * was away are lost and the listener must catch up by reading. Callers poll as well, so even a long outage only
 * slows delivery to the polling interval. The first connection must succeed, so a bad URL fails at start-up.
 */
async function listenWithReconnect(url: string, onSeq: (seq: number) => void): Promise<() => Promise<void>> {
  let stopped = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    next.on('notification', (msg) => {
      if (msg.channel === CHANNEL && msg.payload) onSeq(Number(msg.payload));
    });
    let lost = false;
    const onLost = () => {
      // Only an established listener reconnects from here; a failed connect() is retried by schedule().
      if (lost || stopped || client !== next) return;
      lost = true;
      client = null;
      void next.end().catch(() => {});
      schedule(0);
    };
    next.on('error', onLost);
    next.on('end', onLost);
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      // A half-made connection (connected, LISTEN refused) would otherwise hold a server slot until it times out.
      await next.end().catch(() => {});
      throw error;
    }
    if (stopped) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
  };
  const schedule = (attempt: number) => {
    retry = setTimeout(
      () => {
        retry = null;
        connect().then(
          () => onSeq(0),
          () => !stopped && schedule(attempt + 1),
        );
      },
      Math.min(5000, 100 * 2 ** attempt),
    );
    retry.unref();
  };
  await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    await client?.end().catch(() => {});
  };
}

/** Embedded PostgreSQL (PGlite) for tests on machines with no server: same SQL, same dialect code. */
export async function openPglite(dataDir: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGliteDialect } = await import('kysely-pglite-dialect');
  const db = new PGlite(dataDir || undefined);
  await db.waitReady;
  const kysely = new Kysely<Schema>({ dialect: new PGliteDialect(db) });
  return {
    ...shared(kysely, `pglite:${dataDir}`),
    async listen(onSeq) {
      const stop = await db.listen(CHANNEL, (payload) => onSeq(Number(payload)));
      return async () => {
        await stop();
      };
    },
    async close() {
      await kysely.destroy();
    },
  };
}
