// The PostgreSQL dialect: a pg pool (or PGlite in tests), row locks, advisory-locked migrations, LISTEN/NOTIFY.
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { backoffMs, type Database, type OpenOptions, sleep } from './database.js';
import type { Schema } from './schema.js';

const CHANNEL = 'sortie_events';
/** Arbitrary constant key for pg_advisory_xact_lock: "sortie" in ASCII digits. */
const MIGRATION_LOCK_KEY = 7_367_274;
const MAX_WRITE_ATTEMPTS = 20;

function isTransient(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === '40001' || code === '40P01';
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
    forUpdateSkipLocked: (q) => q.forUpdate().skipLocked(),
    async lockForMigration(tx) {
      await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`.execute(tx);
    },
    async notify(tx, seq) {
      // The payload is only the sequence number; listeners read the events themselves.
      await sql`select pg_notify(${CHANNEL}, ${String(seq)})`.execute(tx);
    },
  };
}

export function openPostgres(url: string, options: OpenOptions): Database {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
  const kysely = new Kysely<Schema>({
    dialect: new PostgresDialect({ pool }),
    log: options.onQuery
      ? (e) => {
          if (e.level === 'query') options.onQuery?.(e.query.sql, e.query.parameters);
        }
      : undefined,
  });
  const location = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
  return {
    ...shared(kysely, location),
    async listen(onSeq) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      client.on('notification', (msg) => {
        if (msg.channel === CHANNEL && msg.payload) onSeq(Number(msg.payload));
      });
      // A dropped listener connection must not crash the server; callers also poll as a backstop.
      client.on('error', () => {});
      await client.query(`LISTEN ${CHANNEL}`);
      return async () => {
        await client.end().catch(() => {});
      };
    },
    async close() {
      await kysely.destroy();
    },
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
