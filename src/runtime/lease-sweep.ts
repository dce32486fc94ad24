// The lease sweep of every server process: claims whose lease expired go back to todo, so the tasks of a holder
// that crashed or went quiet become claimable again without anyone calling a tool.
import type { BackgroundTask } from './runtime.js';

/** How often expired leases are swept, in ms: a dead holder's task is claimable again within this of its expiry. */
export const SWEEP_MS = 15_000;

export const sweepLeases: BackgroundTask = ({ sortie, logger }) => {
  const timer = setInterval(() => {
    sortie.sweepExpiredLeases().then(
      (n) => n > 0 && logger.info({ expired: n }, 'expired leases returned to todo'),
      (error) => logger.warn({ err: error }, 'lease sweep failed'),
    );
  }, SWEEP_MS);
  timer.unref();
  return () => clearInterval(timer);
};
