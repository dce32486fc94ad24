// Test helpers: a Sortie on a fresh database of each dialect, with a manual clock.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ManualClock } from '../../src/core/clock.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import { createSortie, type Sortie } from '../../src/service/sortie.js';

export const silentLogger = pino({ level: 'silent' });

export function tempDir(prefix = 'sortie-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestSortie {
  sortie: Sortie;
  clock: ManualClock;
  database: Database;
  close(): Promise<void>;
}

export async function openTestSortie(url?: string, config: Parameters<typeof createSortie>[0]['config'] = {}): Promise<TestSortie> {
  const database = await openDatabase(url ?? join(tempDir(), 'sortie.db'));
  const clock = new ManualClock();
  const sortie = createSortie({ database, logger: silentLogger, clock, config });
  await sortie.migrate();
  return {
    sortie,
    clock,
    database,
    async close() {
      await sortie.changes.stop();
      await database.close();
    },
  };
}
