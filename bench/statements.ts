// Statements per use case: how many SQL statements (BEGIN and COMMIT included) one call of each hot use case sends,
// counted with openDatabase's onQuery hook on a small seeded database. On PostgreSQL each is a round trip.
import pino from 'pino';
import { openDatabase } from '../src/db/database.js';
import { createSortie } from '../src/service/sortie.js';
import { seed } from './seed.js';

export interface StatementCounts {
  dialect: string;
  /** Use case → statements sent by one call, in the order the calls ran. */
  counts: Record<string, number>;
  /** Use case → the statements' text, shortened, for the record. */
  statements: Record<string, string[]>;
}

/** One claim-and-complete cycle, a checkout and a heartbeat, each counted after a warm-up cycle. */
export async function countStatements(url: string): Promise<StatementCounts> {
  let current: string | null = null;
  const statements: Record<string, string[]> = {};
  const database = await openDatabase(url, {
    onQuery: (sql) => {
      if (!current) return;
      statements[current] = [...(statements[current] ?? []), sql.replace(/\s+/g, ' ').slice(0, 100)];
    },
  });
  const sortie = createSortie({ database, logger: pino({ level: 'silent' }) });
  await sortie.migrate();
  await seed(database, { tasks: 100, perMission: 100, doneFraction: 0, agents: ['solo'], project: 'statements', chained: false });
  const me = { agent: 'solo' };
  const note = 'benchmark step, 1/1 tests';
  const counted = async <T>(name: string | null, call: () => Promise<T>): Promise<T> => {
    current = name;
    try {
      return await call();
    } finally {
      // Work a call leaves running (the change feed's wake-up) is counted with it.
      await new Promise((resolve) => setImmediate(resolve));
      current = null;
    }
  };
  for (const name of [null, 'claim_next_task'] as const) {
    const task = await counted(name, () => sortie.claimNextTask(me, { project: 'statements' }));
    if (!task) throw new Error('countStatements: nothing to claim');
    await counted(name && 'complete_task', () => sortie.completeTask(me, { taskId: task.taskId, completionNote: note, epoch: task.epoch }));
  }
  const next = await sortie.listTasks(me, { project: 'statements', ready: true, limit: 1 });
  const taskId = next.items[0].taskId;
  const claimed = await counted('checkout_task', () => sortie.checkoutTask(me, { taskId }));
  await counted('heartbeat_task', () => sortie.heartbeatTask(me, { taskId, epoch: claimed.epoch }));
  await database.close();
  return { dialect: database.dialect, counts: Object.fromEntries(Object.entries(statements).map(([k, v]) => [k, v.length])), statements };
}
