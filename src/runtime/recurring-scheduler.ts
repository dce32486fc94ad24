// The recurring-work scheduler every server process runs: a tick on an injected clock, no leader election.
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { SchedulerReport } from '../service/recurring.js';
import type { Sortie } from '../service/sortie.js';
import type { BackgroundTask } from './runtime.js';

/** Cron has minute resolution; a 15 s tick creates an instance within 15 s of its due time. */
export const DEFAULT_TICK_MS = 15_000;

export interface SchedulerOptions {
  sortie: Pick<Sortie, 'runDueRecurring'>;
  clock: Clock;
  logger: Logger;
  tickMs?: number;
}

/**
 * Runs due recurring work on every tick. Any number of processes may run one against the same database: each
 * due time is claimed by a unique run row inside the transaction that creates its instance, so exactly one
 * process creates it and the others find it taken. Ticks never overlap within a process.
 */
export class RecurringScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<SchedulerReport> | null = null;
  private stopped = false;

  constructor(private readonly options: SchedulerOptions) {}

  /** One tick at `now` (default: the clock). While a tick is running, returns that tick instead of starting another. */
  runDue(now: number = this.options.clock.now()): Promise<SchedulerReport> {
    if (this.running) return this.running;
    this.running = this.options.sortie.runDueRecurring(now).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Ticks now (catching up after downtime) and then every tickMs, until stop(). */
  start(): void {
    this.stopped = false;
    const tick = () => {
      this.runDue().then(
        (report) => {
          if (report.created.length || report.skipped.length || report.failed.length) this.options.logger.info({ ...report }, 'recurring work ran');
        },
        (error) => {
          if (!this.stopped) this.options.logger.warn({ err: error }, 'recurring scheduler tick failed');
        },
      );
    };
    tick();
    this.timer = setInterval(tick, this.options.tickMs ?? DEFAULT_TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/** The background task of `sortie serve` and `sortie mcp`. SORTIE_SCHEDULER_MS overrides the tick. */
export const startRecurringScheduler: BackgroundTask = (runtime) => {
  const tickMs = Number(process.env.SORTIE_SCHEDULER_MS) || DEFAULT_TICK_MS;
  const scheduler = new RecurringScheduler({
    sortie: runtime.sortie,
    clock: runtime.sortie.deps.clock,
    logger: runtime.logger.child({ component: 'recurring-scheduler' }),
    tickMs,
  });
  scheduler.start();
  return () => scheduler.stop();
};
