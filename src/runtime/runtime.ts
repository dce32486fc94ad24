// A running Sortie: database opened and migrated, services, change feed and background sweeps started.
import pino, { type Logger } from 'pino';
import { openDatabase } from '../db/database.js';
import { createSortie, type Sortie } from '../service/sortie.js';
import { databaseUrl } from './paths.js';

export interface RuntimeOptions {
  db?: string;
  /** Default lease for claims, in minutes. */
  leaseMinutes?: number;
  defaultProject?: string;
  logLevel?: string;
  /** How often expired leases are swept back to todo, in ms. */
  sweepMs?: number;
  /** Run background work (lease sweep, scheduler). CLI one-shot commands turn it off. */
  background?: boolean;
  logger?: Logger;
}

export interface Runtime {
  sortie: Sortie;
  logger: Logger;
  stop(): Promise<void>;
}

export function createLogger(level = process.env.SORTIE_LOG_LEVEL ?? 'info'): Logger {
  // stdout belongs to the MCP protocol in stdio mode: logs always go to stderr.
  return pino({ level, base: { app: 'sortie' } }, pino.destination(2));
}

export type BackgroundTask = (runtime: Runtime) => () => void;
const backgroundTasks: BackgroundTask[] = [];

/** Lets a module (the recurring-work scheduler) run inside every server process. */
export function registerBackgroundTask(task: BackgroundTask): void {
  backgroundTasks.push(task);
}

export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const logger = options.logger ?? createLogger(options.logLevel);
  const database = await openDatabase(databaseUrl(options.db));
  const leaseMinutes = options.leaseMinutes ?? (process.env.SORTIE_LEASE_MINUTES ? Number(process.env.SORTIE_LEASE_MINUTES) : 30);
  const sortie = createSortie({
    database,
    logger,
    config: { leaseMs: leaseMinutes * 60_000, defaultProject: options.defaultProject ?? process.env.SORTIE_PROJECT ?? 'default' },
  });
  const applied = await sortie.migrate();
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
  if (options.background !== false) {
    await sortie.changes.start();
    const sweepMs = options.sweepMs ?? 15_000;
    const timer = setInterval(() => {
      sortie.sweepExpiredLeases().then(
        (n) => n > 0 && logger.info({ expired: n }, 'expired leases returned to todo'),
        (error) => logger.warn({ err: error }, 'lease sweep failed'),
      );
    }, sweepMs);
    timer.unref();
    stops.push(() => clearInterval(timer));
    for (const task of backgroundTasks) stops.push(task(runtime));
  }
  return runtime;
}
