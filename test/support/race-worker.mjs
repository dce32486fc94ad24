// One racing process for test/race.test.ts: opens the shared SQLite file through the built service layer, waits
// says "ready", waits for "go" on stdin so every process starts together, then claims. Prints one JSON line with
// what happened.
//   node race-worker.mjs <db> <agent> checkout <missionId> <T-key,T-key,…>   try to check out each task
//   node race-worker.mjs <db> <agent> next <missionId>                        claim_next + complete until none is left
import { createInterface } from 'node:readline';
import pino from 'pino';
import { isDomainError } from '../../dist/src/core/errors.js';
import { openDatabase } from '../../dist/src/db/database.js';
import { createSortie } from '../../dist/src/service/sortie.js';

const [db, agent, mode, missionId, keys] = process.argv.slice(2);
const database = await openDatabase(db);
const sortie = createSortie({ database, logger: pino({ level: 'silent' }) });
// Every process migrates at start, as a real server does: a no-op after the first, under the write lock.
await sortie.migrate();
const me = { agent };

process.stdout.write('ready\n');
await new Promise((resolve) => createInterface({ input: process.stdin }).once('line', resolve));

const outcomes = [];
const unexpected = [];
async function attempt(label, fn) {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    if (isDomainError(error)) return { ok: false, code: error.code };
    unexpected.push(`${label}: ${error?.code ?? ''} ${error?.message ?? String(error)}`);
    return { ok: false, code: 'UNEXPECTED' };
  }
}

if (mode === 'checkout') {
  for (const key of keys.split(',')) {
    const r = await attempt(key, () => sortie.checkoutTask(me, { taskId: key, missionId }));
    outcomes.push({ key, won: r.ok, code: r.ok ? null : r.code });
  }
} else {
  for (;;) {
    const r = await attempt('claim_next_task', () => sortie.claimNextTask(me, { missionId }));
    if (!r.ok) {
      // Nothing in this race should refuse a claim_next_task; record it and stop, the test fails on it.
      outcomes.push({ key: null, claimError: r.code });
      break;
    }
    if (r.value === null) break;
    const task = r.value;
    const done = await attempt(task.key, () =>
      sortie.completeTask(me, { taskId: task.taskId, completionNote: `Done by ${agent}: 3/3 tests, see docs/${task.key}.md`, epoch: task.epoch }),
    );
    outcomes.push({ key: task.key, taskId: task.taskId, completed: done.ok, code: done.ok ? null : done.code });
  }
}

await database.close();
process.stdout.write(`${JSON.stringify({ agent, outcomes, unexpected })}\n`);
