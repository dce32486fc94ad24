// Recurring work on every dialect, on an injected clock: validation, due and not due, pause and resume, overlap,
// catch-up after downtime, exactly once across concurrent schedulers, and broken definitions that stop nothing.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../src/core/model.js';
import { type Database, openDatabase } from '../src/db/database.js';
import { createSortie, type Sortie } from '../src/service/sortie.js';
import { DIALECTS, openDialectSortie } from './support/dialects.js';
import { driveMissionToComplete } from './support/drive.js';
import { refused } from './support/refusal.js';
import { openTestSortie, silentLogger, type TestSortie } from './support/sortie.js';

const alice: Actor = { agent: 'alice' };
const at = (s: string) => Date.parse(s);
// The manual clock starts on Thursday 2026-01-01T00:00Z; "0 9 * * 1" in Paris is Mondays 08:00Z in winter.
const MONDAY_1 = '2026-01-05T08:00:00.000Z';
const MONDAY_2 = '2026-01-12T08:00:00.000Z';
const MONDAY_3 = '2026-01-19T08:00:00.000Z';

describe.each(DIALECTS)('recurring work on %s', (dialect) => {
  let t: TestSortie;
  let url: string;

  beforeEach(async () => {
    const opened = await openDialectSortie(dialect);
    t = opened;
    url = opened.url;
  });
  afterEach(() => t.close());

  const weekly = (extra: Record<string, unknown> = {}) =>
    t.sortie.createRecurring(alice, { title: 'Dependency audit {{date}}', cronExpression: '0 9 * * 1', timezone: 'Europe/Paris', assignedTo: 'bob', ...extra });
  const runAt = (iso: string) => {
    t.clock.set(at(iso));
    return t.sortie.runDueRecurring(at(iso));
  };
  const taskCount = async () =>
    Number(
      (
        await t.database.kysely
          .selectFrom('tasks')
          .select(({ fn }) => fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('validates the cron expression, time zone and template on input, creating nothing when refused', async () => {
    const bad = await refused('VALIDATION_FAILED', t.sortie.createRecurring(alice, { title: 'x', cronExpression: '0 9 * *' }));
    expect(bad.details).toMatchObject({ field: 'cronExpression' });
    expect(bad.hint).toContain('0 9 * * 1');
    const zone = await refused('VALIDATION_FAILED', t.sortie.createRecurring(alice, { title: 'x', cronExpression: '0 9 * * 1', timezone: 'Nowhere/City' }));
    expect(zone.details).toMatchObject({ field: 'timezone' });
    await refused('NOT_FOUND', t.sortie.createRecurring(alice, { title: 'x', cronExpression: '@daily', templateName: 'nope' }));
    const missing = await refused(
      'VALIDATION_FAILED',
      t.sortie.createRecurring(alice, { title: 'x', cronExpression: '@daily', templateName: 'issue-resolution' }),
    );
    expect(missing.details.missing).toEqual(['issue']);
    expect((await t.sortie.listRecurring(alice, {})).items).toEqual([]);
  });

  it('computes nextRunAt in the time zone and previews the next five runs', async () => {
    const r = await weekly();
    expect(r).toMatchObject({ kind: 'task', nextRunAt: MONDAY_1, overlap: 'skip', paused: false, lastRunAt: null });
    expect(r.upcoming).toEqual([MONDAY_1, MONDAY_2, MONDAY_3, '2026-01-26T08:00:00.000Z', '2026-02-02T08:00:00.000Z']);
  });

  it('creates nothing before the due time and exactly one task at it', async () => {
    const r = await weekly({ tags: ['deps'] });
    expect((await runAt('2026-01-05T07:59:59.000Z')).created).toEqual([]);
    expect(await taskCount()).toBe(0);
    const report = await runAt(MONDAY_1);
    expect(report.created).toEqual([{ recurringTaskId: r.recurringTaskId, dueAt: MONDAY_1, taskId: expect.any(String), missionId: null, catchUp: false }]);
    const task = await t.sortie.getTask(alice, { taskId: report.created[0].taskId as string });
    expect(task).toMatchObject({ title: 'Dependency audit 2026-01-05', assignedTo: 'bob', createdBy: 'alice', status: 'todo' });
    expect(task.tags).toEqual(['deps', `recurring:${r.recurringTaskId}`]);
    expect((await runAt('2026-01-05T08:00:30.000Z')).created).toEqual([]);
    const after = await t.sortie.getRecurring(alice, { recurringTaskId: r.recurringTaskId });
    expect(after).toMatchObject({ nextRunAt: MONDAY_2, lastRunAt: MONDAY_1, lastError: null });
    expect(after.runs).toEqual([{ dueAt: MONDAY_1, outcome: 'created', taskId: task.taskId, missionId: null, error: null, createdAt: expect.any(String) }]);
  });

  it('creates nothing while paused and resumes from the resume time, without catching up', async () => {
    const r = await weekly();
    const paused = await t.sortie.pauseRecurring(alice, { recurringTaskId: r.recurringTaskId });
    expect(paused).toMatchObject({ paused: true, upcoming: [] });
    expect((await runAt('2026-01-13T00:00:00.000Z')).created).toEqual([]);
    const resumed = await t.sortie.resumeRecurring(alice, { recurringTaskId: r.recurringTaskId });
    expect(resumed).toMatchObject({ paused: false, nextRunAt: MONDAY_3 });
    expect((await runAt('2026-01-14T00:00:00.000Z')).created).toEqual([]);
    expect((await runAt(MONDAY_3)).created.map((c) => c.dueAt)).toEqual([MONDAY_3]);
    expect(await taskCount()).toBe(1);
  });

  it('overlap skip waits while the last task is open; allow does not', async () => {
    const skip = await weekly();
    const allow = await weekly({ overlap: 'allow', title: 'Allowed {{date}}' });
    const first = await runAt(MONDAY_1);
    expect(first.created).toHaveLength(2);
    const second = await runAt(MONDAY_2);
    expect(second.created.map((c) => c.recurringTaskId)).toEqual([allow.recurringTaskId]);
    const skippedTask = first.created.find((c) => c.recurringTaskId === skip.recurringTaskId)?.taskId as string;
    expect(second.skipped).toEqual([{ recurringTaskId: skip.recurringTaskId, dueAt: MONDAY_2, openInstance: skippedTask }]);
    expect((await t.sortie.getRecurring(alice, { recurringTaskId: skip.recurringTaskId })).runs.map((x) => x.outcome)).toEqual(['skipped', 'created']);
    await t.sortie.cancelTask(alice, { taskId: skippedTask, cancelReason: 'superseded' });
    const third = await runAt(MONDAY_3);
    expect(third.created.map((c) => c.recurringTaskId).sort()).toEqual([skip.recurringTaskId, allow.recurringTaskId].sort());
  });

  it('after downtime across several due times creates one catch-up instance, for the latest', async () => {
    const r = await t.sortie.createRecurring(alice, { title: 'Nightly {{date}}', cronExpression: '0 2 * * *' });
    expect(r.nextRunAt).toBe('2026-01-01T02:00:00.000Z');
    const report = await runAt('2026-01-11T12:00:00.000Z');
    expect(report.created).toEqual([
      { recurringTaskId: r.recurringTaskId, dueAt: '2026-01-11T02:00:00.000Z', taskId: expect.any(String), missionId: null, catchUp: true },
    ]);
    expect(await taskCount()).toBe(1);
    expect((await t.sortie.getTask(alice, { taskId: report.created[0].taskId as string })).title).toBe('Nightly 2026-01-11');
    expect((await t.sortie.getRecurring(alice, { recurringTaskId: r.recurringTaskId })).nextRunAt).toBe('2026-01-12T02:00:00.000Z');
    const fired = await t.sortie.listEvents(alice, { since: 0 });
    expect(fired.items.find((e) => e.kind === 'recurring.fired')?.details).toMatchObject({ catchUp: true, firstMissedAt: '2026-01-01T02:00:00.000Z' });
  });

  it('a weekly mission appears on schedule exactly once and skips weeks while the previous one is open', async () => {
    const r = await t.sortie.createRecurring(alice, {
      title: 'Release {{date}}',
      cronExpression: '0 9 * * 1',
      timezone: 'Europe/Paris',
      templateName: 'issue-resolution',
      pilot: 'alice',
      agents: ['bob'],
      context: { issue: '#900' },
    });
    expect(r.kind).toBe('mission');
    const week1 = await runAt(MONDAY_1);
    const missionId = week1.created[0].missionId as string;
    const mission = await t.sortie.getMission(alice, { missionId });
    expect(mission).toMatchObject({ name: 'Release 2026-01-05', status: 'plan', templateName: 'issue-resolution', pilot: 'alice' });
    expect(mission.tasks).toHaveLength(7);
    expect((await runAt(MONDAY_1)).created).toEqual([]);
    const week2 = await runAt(MONDAY_2);
    expect(week2.created).toEqual([]);
    expect(week2.skipped[0]).toMatchObject({ openInstance: missionId });
    await driveMissionToComplete(t.sortie, missionId);
    const week3 = await runAt(MONDAY_3);
    expect(week3.created).toHaveLength(1);
    expect((await t.sortie.listMissions(alice, { status: 'all' })).items.map((m) => m.name).sort()).toEqual(['Release 2026-01-05', 'Release 2026-01-19']);
  });

  it('two schedulers on one database create exactly one instance per due time', async () => {
    // Two Sorties with their own connections: the same file on SQLite, two pools on PostgreSQL. PGlite is one
    // in-process database, so there both schedulers share its handle and interleave on it. better-sqlite3 waits
    // for a lock synchronously, which in one process would stall the holder too; a short busy timeout makes the
    // waiting writer back off asynchronously instead, as a separate process would simply wait.
    const open = () => (dialect === 'pglite' ? Promise.resolve(t.database) : openDatabase(url, { busyTimeoutMs: 5 }));
    const databases: Database[] = [await open(), await open()];
    const [one, two]: Sortie[] = databases.map((database) => createSortie({ database, logger: silentLogger, clock: t.clock }));
    try {
      const defs = await Promise.all(
        [1, 2, 3, 4, 5].map((i) => t.sortie.createRecurring(alice, { title: `job ${i}`, cronExpression: '*/5 * * * *', overlap: 'allow' })),
      );
      for (const minute of ['00:05', '00:10', '00:15']) {
        const now = at(`2026-01-01T${minute}:00.000Z`);
        t.clock.set(now);
        const [a, b] = await Promise.all([one.runDueRecurring(now), two.runDueRecurring(now)]);
        expect([...a.failed, ...b.failed]).toEqual([]);
        expect(a.created.length + b.created.length).toBe(defs.length);
      }
      expect(await taskCount()).toBe(defs.length * 3);
      const runs = await t.database.kysely.selectFrom('recurring_runs').select(['recurring_id', 'due_at', 'outcome']).execute();
      expect(runs.filter((r) => r.outcome === 'created')).toHaveLength(defs.length * 3);
      const tasks = await t.database.kysely.selectFrom('tasks').select('tags').execute();
      for (const d of defs) expect(tasks.filter((x) => x.tags.includes(d.recurringTaskId))).toHaveLength(3);
    } finally {
      for (const database of databases) if (database !== t.database) await database.close();
    }
  });

  it('a due time already handled is never handled twice, even by a scheduler holding a stale next run', async () => {
    const r = await weekly({ overlap: 'allow' });
    expect((await runAt(MONDAY_1)).created).toHaveLength(1);
    // Rewind the definition as a scheduler that read it before the first run committed would see it.
    await t.database.write((tx) => tx.updateTable('recurring_definitions').set({ next_run_at: MONDAY_1 }).where('id', '=', r.recurringTaskId).execute());
    const again = await runAt('2026-01-05T08:01:00.000Z');
    expect(again.created).toEqual([]);
    expect(await taskCount()).toBe(1);
    expect((await t.sortie.getRecurring(alice, { recurringTaskId: r.recurringTaskId })).nextRunAt).toBe(MONDAY_2);
  });

  it('marks a broken definition with its error and skips it without stopping the others', async () => {
    await t.sortie.updateTemplate(alice, { name: 'short-lived', steps: [{ title: 'step' }] });
    const gone = await t.sortie.createRecurring(alice, {
      title: 'From a deleted template',
      cronExpression: '0 9 * * 1',
      timezone: 'Europe/Paris',
      templateName: 'short-lived',
    });
    const garbled = await weekly({ title: 'garbled' });
    const healthy = await weekly({ title: 'healthy' });
    await t.sortie.deleteTemplate(alice, { name: 'short-lived' });
    await t.database.write((tx) =>
      tx.updateTable('recurring_definitions').set({ cron_expression: 'every monday' }).where('id', '=', garbled.recurringTaskId).execute(),
    );

    const report = await runAt(MONDAY_1);
    expect(report.created.map((c) => c.recurringTaskId)).toEqual([healthy.recurringTaskId]);
    expect(report.failed.map((f) => f.recurringTaskId).sort()).toEqual([gone.recurringTaskId, garbled.recurringTaskId].sort());

    const goneAfter = await t.sortie.getRecurring(alice, { recurringTaskId: gone.recurringTaskId });
    expect(goneAfter.lastError).toMatch(/^NOT_FOUND: template short-lived not found/);
    expect(goneAfter.nextRunAt).toBe(MONDAY_2);
    expect(goneAfter.runs[0]).toMatchObject({ dueAt: MONDAY_1, outcome: 'failed' });
    const garbledAfter = await t.sortie.getRecurring(alice, { recurringTaskId: garbled.recurringTaskId });
    expect(garbledAfter.lastError).toMatch(/^VALIDATION_FAILED: cronExpression/);
    expect(garbledAfter.nextRunAt).toBeNull();

    // The next tick tries the deleted-template definition again at its next due time and nothing else.
    const next = await runAt(MONDAY_2);
    expect(next.failed.map((f) => f.recurringTaskId)).toEqual([gone.recurringTaskId]);
    // Fixing the schedule clears the error and puts it back on the schedule.
    const fixed = await t.sortie.updateRecurring(alice, { recurringTaskId: garbled.recurringTaskId, cronExpression: '0 9 * * 1' });
    expect(fixed).toMatchObject({ lastError: null, nextRunAt: MONDAY_3 });
  });

  it('updates recompute nextRunAt; delete stops new instances; only the creator or an admin manages one', async () => {
    const r = await weekly();
    const updated = await t.sortie.updateRecurring(alice, { recurringTaskId: r.recurringTaskId, cronExpression: '0 7 * * *', timezone: 'UTC' });
    expect(updated.nextRunAt).toBe('2026-01-01T07:00:00.000Z');
    await refused('FORBIDDEN', t.sortie.pauseRecurring({ agent: 'mallory' }, { recurringTaskId: r.recurringTaskId }));
    await refused('FORBIDDEN', t.sortie.createRecurring({ agent: 'w', role: 'worker' }, { title: 'x', cronExpression: '@daily' }));
    expect((await t.sortie.pauseRecurring({ agent: 'root', role: 'admin' }, { recurringTaskId: r.recurringTaskId })).paused).toBe(true);
    expect((await t.sortie.listRecurring(alice, { status: 'paused' })).items).toHaveLength(1);
    expect((await t.sortie.listRecurring(alice, { status: 'active' })).items).toHaveLength(0);
    await t.sortie.resumeRecurring(alice, { recurringTaskId: r.recurringTaskId });
    await t.sortie.deleteRecurring(alice, { recurringTaskId: r.recurringTaskId });
    expect((await runAt('2026-01-02T08:00:00.000Z')).created).toEqual([]);
    await refused('NOT_FOUND', t.sortie.getRecurring(alice, { recurringTaskId: r.recurringTaskId }));
    expect((await t.sortie.listRecurring(alice, {})).items).toEqual([]);
  });

  it('keeps a project-scoped caller to its projects', async () => {
    const r = await t.sortie.createRecurring(alice, { title: 'x', cronExpression: '@daily', project: 'ops' });
    const scoped: Actor = { agent: 'alice', projects: ['web'] };
    await refused('NOT_FOUND', t.sortie.getRecurring(scoped, { recurringTaskId: r.recurringTaskId }));
    expect((await t.sortie.listRecurring(scoped, {})).items).toEqual([]);
    await refused('NOT_FOUND', t.sortie.createRecurring(scoped, { title: 'y', cronExpression: '@daily', project: 'ops' }));
  });
});

describe('raw SQL sanity', () => {
  it('the run key is a uniqueness constraint', async () => {
    const t = await openTestSortie();
    try {
      const row = {
        recurring_id: 'r',
        due_at: '2026-01-01T00:00:00.000Z',
        outcome: 'created',
        task_id: null,
        mission_id: null,
        error: null,
        created_at: 'now',
      };
      await t.database.write((tx) => tx.insertInto('recurring_runs').values(row).execute());
      await expect(t.database.write((tx) => tx.insertInto('recurring_runs').values(row).execute())).rejects.toThrow(/UNIQUE|unique|PRIMARY/);
      const n = await sql<{ n: number }>`select count(*) as n from recurring_runs`.execute(t.database.kysely);
      expect(Number(n.rows[0].n)).toBe(1);
    } finally {
      await t.close();
    }
  });
});
