// Moving up: migrations from many processes at once on every shareable backend, `sortie db migrate` on both,
// and `sortie db copy` from an embedded SQLite file holding every kind of row into PostgreSQL (PGlite when no
// server is configured) — compared table by table, refused on a non-empty target, rolled back on a mismatch.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.js';
import { MIGRATIONS, migrate } from '../src/db/migrate.js';
import { SORTIE_BIN } from './support/clients.js';
import { type DialectName, freshDatabaseUrl, SHARED_DIALECTS } from './support/dialects.js';
import { OPERATOR } from './support/fleet.js';
import { openTestSortie, type TestSortie, tempDir } from './support/sortie.js';

function cli(args: string[]) {
  return spawnSync(process.execPath, [SORTIE_BIN, ...args], { env: { ...process.env, SORTIE_LOG_LEVEL: 'warn' }, encoding: 'utf8' });
}

for (const dialect of SHARED_DIALECTS) {
  describe(`migrations from many processes at once (${dialect})`, () => {
    // Six pools in one process. Not on SQLite: better-sqlite3 is synchronous, so a second handle in the same
    // process would wait for the lock by blocking the very event loop the first needs to finish; SQLite's
    // many-writers case is many processes, tested with the CLI below.
    if (dialect === 'postgres')
      it('six connections migrating one fresh database: each migration applied exactly once, nobody fails', async () => {
        const { url, dispose } = await freshDatabaseUrl(dialect);
        const handles: Database[] = [];
        try {
          for (let i = 0; i < 6; i++) handles.push(await openDatabase(url));
          const applied = await Promise.all(handles.map((h) => migrate(h)));
          const names = MIGRATIONS.map((m) => m.name);
          expect(applied.filter((a) => a.length > 0)).toEqual([names]);
          expect(applied.filter((a) => a.length === 0).length).toBe(5);
          const rows = await handles[0].kysely.selectFrom('sortie_migrations').select('name').orderBy('name').execute();
          expect(rows.map((r) => r.name)).toEqual(names);
        } finally {
          await Promise.all(handles.map((h) => h.close()));
          await dispose();
        }
      });

    it('`sortie db migrate` from three processes at once, then again: up to date', async () => {
      const { url, dispose } = await freshDatabaseUrl(dialect);
      try {
        const runs = Array.from({ length: 3 }, () =>
          spawn(process.execPath, [SORTIE_BIN, '--json', 'db', 'migrate', '--db', url], {
            env: { ...process.env, SORTIE_LOG_LEVEL: 'warn' },
            stdio: ['ignore', 'pipe', 'pipe'],
          }),
        );
        const outputs = await Promise.all(
          runs.map(async (child) => {
            let out = '';
            child.stdout?.on('data', (d) => {
              out += d;
            });
            const [code] = await once(child, 'exit');
            return { code, out };
          }),
        );
        expect(outputs.map((o) => o.code)).toEqual([0, 0, 0]);
        const applied = outputs.map((o) => JSON.parse(o.out).applied as string[]);
        expect(applied.flat().sort()).toEqual(MIGRATIONS.map((m) => m.name).sort());
        const again = cli(['--json', 'db', 'migrate', '--db', url]);
        expect(again.status, again.stderr).toBe(0);
        const report = JSON.parse(again.stdout);
        expect(report.applied).toEqual([]);
        expect(report.migrations.every((m: { appliedAt: string | null }) => m.appliedAt !== null)).toBe(true);
        expect(cli(['db', 'migrate', '--db', url]).stdout).toContain('up to date');
      } finally {
        await dispose();
      }
    });
  });
}

/** Fills a database with every kind of row Sortie writes, through the service layer. */
async function populate(store: TestSortie): Promise<void> {
  const s = store.sortie;
  const pia = { agent: 'pia' };
  const wes = { agent: 'wes' };
  // wes holds several tasks of web at once below (to put one in every status), so web's in-progress limit is off;
  // api sets one, so the copy carries both kinds of setting.
  await s.configureProject(OPERATOR, { name: 'web', repoUrl: 'https://example.com/web', maxInProgress: 0 });
  await s.configureProject(OPERATOR, { name: 'api', repoPath: null, repoUrl: null, maxInProgress: 3 });
  const keep = await s.createToken(OPERATOR, { agent: 'pia', role: 'pilot', projects: ['web'], note: 'laptop' });
  // Once tokens exist, everyone on a roster holds one covering the project (see rosters.test.ts).
  await s.createToken(OPERATOR, { agent: 'pia', role: 'pilot', projects: ['api'], note: 'api box' });
  await s.createToken(OPERATOR, { agent: 'wes', role: 'worker', projects: ['web'] });
  const gone = await s.createToken(OPERATOR, { agent: 'old', role: 'viewer' });
  await s.revokeToken(OPERATOR, { tokenId: gone.info.tokenId });
  await s.authenticate(keep.token);

  // A mission whose tasks sit in every status, with dependencies, evidence (some superseded) and a reopen.
  const m = await s.createMission(pia, {
    name: 'every-status',
    project: 'web',
    pilot: 'pia',
    agents: ['wes'],
    status: 'plan',
    brief: '# Brief\nwith "quotes" and ünïcödé',
  });
  const t = [] as string[];
  for (const title of ['done', 'in progress', 'review', 'blocked', 'failed', 'cancelled', 'todo after done', 'reopened']) {
    t.push(
      (await s.createTask(pia, { title, missionId: m.missionId, tags: ['x', 'y'], requiredEvidence: title === 'review' ? ['test_ratio'] : undefined })).taskId,
    );
  }
  await s.addTaskDependency(pia, { taskId: t[6], dependsOn: [t[0]] });
  await s.updateMissionStatus(pia, { missionId: m.missionId, status: 'execute' });
  for (const id of [t[0], t[1], t[2], t[3], t[4], t[7]]) await s.checkoutTask(wes, { taskId: id });
  await s.completeTask(wes, { taskId: t[0], completionNote: 'merged 3f2c9e1a, tests 18/18 pass' });
  await s.submitForReview(wes, { taskId: t[2], completionNote: 'tests 5/5 pass' });
  await s.blockTask(wes, { taskId: t[3], reason: 'waiting', blockedOnTaskId: t[6] });
  await s.failTask(wes, { taskId: t[4], failureNote: 'broken' });
  await s.cancelTask(pia, { taskId: t[5], cancelReason: 'dropped' });
  await s.completeTask(wes, { taskId: t[7], completionNote: 'first try, tests 1/1 pass' });
  await s.reopenTask(pia, { taskId: t[7], reason: 'not really' });
  await s.updateMissionProgress(pia, { missionId: m.missionId, progress: 40, note: 'halfway-ish' });

  // A completed mission with a deliverable and superseded mission evidence; a cancelled one; one in another project.
  const c = await s.createMission(pia, {
    name: 'finished',
    project: 'web',
    pilot: 'pia',
    status: 'plan',
    deliverables: [{ name: 'docs', acceptedKinds: ['pr'] }],
  });
  const only = (await s.createTask(pia, { title: 'only step', missionId: c.missionId })).taskId;
  await s.updateMissionStatus(pia, { missionId: c.missionId, status: 'execute' });
  await s.checkoutTask(pia, { taskId: only });
  await s.completeTask(pia, { taskId: only, completionNote: 'PR #41 merged' });
  const first = await s.addMissionEvidence(pia, { missionId: c.missionId, deliverable: 'docs', evidence: [{ kind: 'pr', value: '#41' }] });
  await s.addMissionEvidence(pia, { missionId: c.missionId, deliverable: 'docs', evidence: [{ kind: 'pr', value: '#42' }], supersedes: first.evidence[0].id });
  await s.updateMissionStatus(pia, { missionId: c.missionId, status: 'complete' });
  const x = await s.createMission(pia, { name: 'abandoned', project: 'api', pilot: 'pia' });
  await s.updateMissionStatus(pia, { missionId: x.missionId, status: 'cancelled', reason: 'no longer needed' });
  await s.createTask(pia, { title: 'standalone', project: 'api', dueDate: '2026-12-01', estimatedMinutes: 90, leaseMinutes: 45 });

  // Templates (two versions, one deleted) and recurring work that already ran once.
  await s.updateTemplate(OPERATOR, { name: 'copy-tpl', steps: [{ key: 'a', title: 'A' }] });
  await s.updateTemplate(OPERATOR, {
    name: 'copy-tpl',
    description: 'v2',
    steps: [
      { key: 'a', title: 'A' },
      { key: 'b', title: 'B', requiredEvidence: ['commit'] },
    ],
  });
  await s.updateTemplate(OPERATOR, { name: 'doomed-tpl', steps: [{ key: 'a', title: 'A' }] });
  await s.deleteTemplate(OPERATOR, { name: 'doomed-tpl' });
  await s.createRecurring(pia, { title: 'hourly check', cronExpression: '0 * * * *', project: 'web', assignedTo: 'wes', requiredEvidence: ['count'] });
  await s.createRecurring(pia, { title: 'weekly', cronExpression: '0 9 * * 1', project: 'api', paused: true });
  store.clock.advance(2 * 3600_000);
  const ran = await s.runDueRecurring();
  expect(ran.created.length).toBe(1);
}

/** Every row of every table, as sorted canonical JSON lines, for comparing two databases independently of the copy. */
async function dump(database: Database): Promise<Record<string, string[]>> {
  const tables = (await database.kysely.introspection.getTables()).filter(
    (t) => !t.isView && t.name !== 'sortie_migrations' && (t.schema ?? 'public') === 'public',
  );
  const out: Record<string, string[]> = {};
  for (const t of tables) {
    // biome-ignore lint/suspicious/noExplicitAny: tables are listed at run time
    const rows = (await (database.kysely as unknown as Kysely<any>).selectFrom(t.name).selectAll().execute()) as Record<string, unknown>[];
    out[t.name] = rows
      .map((r) =>
        JSON.stringify(
          Object.keys(r)
            .sort()
            .map((k) => [k, typeof r[k] === 'bigint' ? Number(r[k]) : r[k]]),
        ),
      )
      .sort();
  }
  return out;
}

const TARGETS: Array<Exclude<DialectName, 'sqlite'>> = ['pglite', ...(process.env.SORTIE_TEST_PG_URL ? (['postgres'] as const) : [])];

for (const target of TARGETS) {
  describe(`sortie db copy: SQLite → ${target}`, () => {
    let source: TestSortie;
    let sourcePath: string;
    let targetUrl: string;
    let dispose: () => Promise<void>;

    beforeAll(async () => {
      sourcePath = join(tempDir(), 'embedded.db');
      source = await openTestSortie(sourcePath);
      await populate(source);
      if (target === 'pglite') {
        targetUrl = `pglite:${tempDir('sortie-pglite-')}`;
        dispose = async () => {};
      } else ({ url: targetUrl, dispose } = await freshDatabaseUrl('postgres'));
    });

    afterAll(async () => {
      await source?.close();
      await dispose?.();
    });

    it('copies every table: same rows, counts and checksums, printed per table', async () => {
      const run = cli(['db', 'copy', '--from', sourcePath, '--to', targetUrl]);
      expect(run.status, run.stderr).toBe(0);
      const before = await dump(source.database);
      // Every kind of row is really there in the source.
      for (const table of [
        'projects',
        'missions',
        'mission_members',
        'tasks',
        'task_deps',
        'evidence',
        'events',
        'counters',
        'tokens',
        'mission_templates',
        'recurring_definitions',
        'recurring_runs',
      ]) {
        expect(before[table]?.length, table).toBeGreaterThan(0);
        expect(run.stdout, table).toMatch(
          new RegExp(`\\n${table}\\s+${before[table].length}\\s+${before[table].length}\\s+[0-9a-f]{16}\\s+[0-9a-f]{16}\\s+ok`),
        );
      }
      expect(run.stdout).toContain('every table matches');
      const copied = await openDatabase(targetUrl);
      try {
        expect(await dump(copied)).toEqual(before);
        const statuses = await copied.kysely.selectFrom('tasks').select('status').distinct().execute();
        expect(new Set(statuses.map((r) => r.status))).toEqual(new Set(['todo', 'in_progress', 'review', 'blocked', 'done', 'cancelled', 'failed']));
      } finally {
        await copied.close();
      }
    });

    it('the copy is a working Sortie: tokens authenticate, the event sequence continues, missions read the same', async () => {
      const copy = await openTestSortie(targetUrl);
      try {
        const last = (await copy.sortie.listEvents(OPERATOR, { since: 0, limit: 500 })).lastSeq;
        expect(last).toBe((await source.sortie.listEvents(OPERATOR, { since: 0, limit: 500 })).lastSeq);
        const src = await source.sortie.listMissions(OPERATOR, { status: 'all', fields: 'full' });
        const dst = await copy.sortie.listMissions(OPERATOR, { status: 'all', fields: 'full' });
        expect(dst).toEqual(src);
        const tokens = await copy.sortie.listTokens(OPERATOR, { includeRevoked: true });
        expect(tokens.map((t) => t.agent).sort()).toEqual(['old', 'pia', 'pia', 'wes']);
        const todo = (await copy.sortie.listTasks(OPERATOR, { project: 'api', limit: 10 })).items[0];
        await copy.sortie.updateTask({ agent: 'pia' }, { taskId: todo.taskId, title: 'written after the move' });
        const next = await copy.sortie.listEvents(OPERATOR, { since: last });
        expect(next.items.map((e) => e.seq)).toEqual([last + 1]);
      } finally {
        await copy.close();
      }
    });

    it('refuses a non-empty target and changes nothing; --replace copies over it', async () => {
      const before = await openDatabase(targetUrl).then(async (d) => {
        const x = await dump(d);
        await d.close();
        return x;
      });
      const again = cli(['db', 'copy', '--from', sourcePath, '--to', targetUrl]);
      expect(again.status).toBe(1);
      expect(again.stderr).toContain('CONFLICT: the target database is not empty');
      expect(again.stderr).toContain('--replace');
      const unchanged = await openDatabase(targetUrl);
      try {
        expect(await dump(unchanged)).toEqual(before);
      } finally {
        await unchanged.close();
      }
      const replaced = cli(['--json', 'db', 'copy', '--from', sourcePath, '--to', targetUrl, '--replace']);
      expect(replaced.status, replaced.stderr).toBe(0);
      const report = JSON.parse(replaced.stdout);
      expect(report.replaced).toBe(true);
      expect(report.ok).toBe(true);
      const after = await openDatabase(targetUrl);
      try {
        expect(await dump(after)).toEqual(await dump(source.database));
      } finally {
        await after.close();
      }
    });

    it('fails loudly on a mismatch and leaves the target as it was', async () => {
      const fresh = target === 'pglite' ? { url: `pglite:${tempDir('sortie-pglite-')}`, dispose: async () => {} } : await freshDatabaseUrl('postgres');
      try {
        const db = await openDatabase(fresh.url);
        await migrate(db);
        // A target that silently alters what it is given: the checksums must catch it.
        await db.write(async (tx) => {
          await (await import('kysely'))
            .sql`create function sortie_test_tamper() returns trigger language plpgsql as $$ begin new.title := new.title || '!'; return new; end $$`.execute(
            tx,
          );
          await (await import('kysely'))
            .sql`create trigger sortie_test_tamper before insert on tasks for each row execute function sortie_test_tamper()`.execute(tx);
        });
        await db.close();
        const run = cli(['db', 'copy', '--from', sourcePath, '--to', fresh.url]);
        expect(run.status).toBe(1);
        expect(run.stdout).toMatch(/\ntasks\s+\d+\s+\d+\s+[0-9a-f]{16}\s+[0-9a-f]{16}\s+MISMATCH/);
        expect(run.stdout).toMatch(/\nmissions\s+\d+\s+\d+\s+[0-9a-f]{16}\s+[0-9a-f]{16}\s+ok/);
        expect(run.stderr).toContain('copy verification failed for tasks');
        const after = await openDatabase(fresh.url);
        try {
          const counts = await dump(after);
          for (const [table, rows] of Object.entries(counts)) {
            if (table === 'counters')
              expect(
                rows.every((r) => r.includes('["value",0]')),
                table,
              ).toBe(true);
            else expect(rows, table).toEqual([]);
          }
        } finally {
          await after.close();
        }
      } finally {
        await fresh.dispose();
      }
    });
  });
}
