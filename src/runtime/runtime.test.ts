// The runtime factory runs exactly the background work it is given: each task starts with the running Sortie and is
// stopped by stop(), and importing a module registers nothing.
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { silentLogger, tempDir } from '../../test/support/sortie.js';
import { type BackgroundTask, startRuntime } from './runtime.js';

describe('startRuntime', () => {
  it('starts each background task it is given, in order, and stops each on stop()', async () => {
    const log: string[] = [];
    const task =
      (name: string): BackgroundTask =>
      (runtime) => {
        log.push(`start ${name} ${typeof runtime.sortie.sweepExpiredLeases}`);
        return () => log.push(`stop ${name}`);
      };
    const runtime = await startRuntime({ db: join(tempDir(), 'bg.db'), logger: silentLogger, background: [task('a'), task('b')] });
    try {
      expect(log).toEqual(['start a function', 'start b function']);
    } finally {
      await runtime.stop();
    }
    expect(log).toEqual(['start a function', 'start b function', 'stop a', 'stop b']);
  });

  it('runs only the listed work: importing the scheduler module registers nothing', async () => {
    const { startRecurringScheduler } = await import('./recurring-scheduler.js');
    // The scheduler takes a child logger as it starts; record every child the runtime's logger hands out.
    const logger = pino({ level: 'silent' });
    const children: unknown[] = [];
    const child = logger.child.bind(logger);
    logger.child = ((bindings, options) => {
      children.push(bindings);
      return child(bindings, options);
    }) as typeof logger.child;
    const schedulerRan = () => children.some((b) => (b as { component?: string }).component === 'recurring-scheduler');
    const idle = await startRuntime({ db: join(tempDir(), 'idle.db'), logger, background: [] });
    await idle.stop();
    expect(schedulerRan()).toBe(false);
    const serving = await startRuntime({ db: join(tempDir(), 'serving.db'), logger, background: [startRecurringScheduler] });
    await serving.stop();
    expect(schedulerRan()).toBe(true);
  });
});
