// The lease sweep of every server process: claims whose lease expired go back to todo, so the tasks of a holder
// that crashed or went quiet become claimable again without anyone calling a tool. The same timer checkpoints the
// SQLite write-ahead log, which commits no longer do themselves (src/db/sqlite.ts).
import type { BackgroundTask } from './runtime.js';

/** How often expired leases are swept, in ms: a dead holder's task is claimable again within this of its expiry. */
export const SWEEP_MS = 15_000;

/**
 * How often the timer ticks, and checkpoints: at 2,000 commits a second a tick's WAL is a few MiB, copied back while
 * the next commits go on (a passive checkpoint takes no lock a writer waits for).
 */
export const CHECKPOINT_MS = 1_000;

export const sweepLeases: BackgroundTask = ({ sortie, logger }) => {
  let ticks = 0;
  const timer = setInterval(() => {
    sortie.checkpoint().catch((error) => logger.warn({ err: error }, 'checkpoint failed'));
    ticks += 1;
    if (ticks % (SWEEP_MS / CHECKPOINT_MS) !== 0) return;
    sortie.sweepExpiredLeases().then(
      (n) => n > 0 && logger.info({ expired: n }, 'expired leases returned to todo'),
      (error) => logger.warn({ err: error }, 'lease sweep failed'),
    );
  }, CHECKPOINT_MS);
  timer.unref();
  return () => clearInterval(timer);
};
