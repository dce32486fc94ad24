// A running Sortie: database opened and migrated, services, and — in a server process — the change feed and the
// background work it was given started. Nothing here starts or registers anything when imported.
import pino, { type Logger } from 'pino';
import { DomainError, isUnavailable } from '../core/errors.js';
import { maskCredentials } from '../db/mask-credentials.js';
import type { Sortie } from '../service/sortie.js';
import { checkedDatabaseUrl } from './paths.js';
import { prettyDestination, prettyLogWanted } from './pretty-log.js';

export interface RuntimeOptions {
  db?: string;
  /** Default lease for claims, in minutes. */
  leaseMinutes?: number;
  defaultProject?: string;
  logLevel?: string;
  /**
   * The background work of a server process (lease sweep, recurring scheduler: see cli/main.ts), started in order
   * once the database is migrated and stopped by stop(); a server process also follows the change feed. Omitted:
   * a one-shot command, which starts neither.
   */
  background?: readonly BackgroundTask[];
  logger?: Logger;
}

export interface Runtime {
  sortie: Sortie;
  logger: Logger;
  stop(): Promise<void>;
}

/** `sync` writes each line before returning (for a line that must precede what the caller prints next). */
export function createLogger(level = process.env.SORTIE_LOG_LEVEL ?? 'info', options: { sync?: boolean } = {}): Logger {
  // stdout belongs to the MCP protocol in stdio mode: logs always go to stderr — one line per event for a person at
  // a terminal, JSON for anything else.
  const destination = prettyLogWanted() ? prettyDestination() : pino.destination({ dest: 2, sync: options.sync ?? false });
  return pino({ level, base: { app: 'sortie' } }, destination);
}

/** A database that refused the first connection, named (password masked), with what to do. */
function databaseUnreachable(url: string, cause: unknown): DomainError {
  const why = (cause as { code?: unknown }).code;
  return new DomainError(
    'UNAVAILABLE',
    `cannot connect to the database ${maskCredentials(url)}${typeof why === 'string' ? ` (${why})` : ''}`,
    'Check that the database server is running and accepts connections at that address, or pass another --db (or SORTIE_DB).',
    { database: maskCredentials(url) },
    { cause },
  );
}

/** One piece of background work: started with the running Sortie, it returns the function that stops it. */
export type BackgroundTask = (runtime: Runtime) => () => void;

export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const logger = options.logger ?? createLogger(options.logLevel);
  const url = checkedDatabaseUrl(options.db);
  // Loaded here, not at import: a CLI command that never opens the database (--help, --version) does not load
  // the drivers and the services.
  const [{ openDatabase }, { createSortie }] = await Promise.all([import('../db/database.js'), import('../service/sortie.js')]);
  const database = await openDatabase(url);
  const leaseMinutes = options.leaseMinutes ?? (process.env.SORTIE_LEASE_MINUTES ? Number(process.env.SORTIE_LEASE_MINUTES) : 30);
  const sortie = createSortie({
    database,
    logger,
    config: { leaseMs: leaseMinutes * 60_000, defaultProject: options.defaultProject ?? process.env.SORTIE_PROJECT ?? 'default' },
  });
  const applied = await sortie.migrate().catch(async (error: unknown) => {
    await database.close().catch(() => undefined);
    throw isUnavailable(error) ? databaseUnreachable(url, error) : error;
  });
  if (applied.length) logger.info({ applied, db: database.location }, 'migrations applied');
  const stops: Array<() => void> = [];
  const runtime: Runtime = {
    sortie,
    logger,
    async stop() {
      for (const stop of stops) stop();
      await sortie.changes.stop();
      await database.close();
    },
  };
  if (options.background) {
    await sortie.changes.start();
    for (const task of options.background) stops.push(task(runtime));
  }
  return runtime;
}
