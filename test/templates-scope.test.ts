// Template scope on every dialect: saved templates belong to one project, built-ins are read-only defaults every
// project sees, a project's saved version of a built-in's name shadows it there only, and a scoped token can
// neither read another project's saved templates (NOT_FOUND, like a missing one) nor change what it uses.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../src/core/model.js';
import { type Database, openDatabase } from '../src/db/database.js';
import { lastEventSeq } from '../src/db/events-repo.js';
import { MIGRATIONS, migrate } from '../src/db/migrate.js';
import { createSortie } from '../src/service/sortie.js';
import { loadBuiltinTemplates } from '../src/service/template-catalogue.js';
import { DIALECTS, freshDatabaseUrl, openDialectSortie } from './support/dialects.js';
import { refused } from './support/refusal.js';
import { silentLogger, type TestSortie } from './support/sortie.js';
import { refusedUnchanged } from './support/unchanged.js';

const OPERATOR: Actor = { agent: 'operator' };
const WEB_ADMIN: Actor = { agent: 'ada', role: 'admin', projects: ['web'] };
const WEB_PILOT: Actor = { agent: 'wendy', role: 'pilot', projects: ['web'] };
const API_PILOT: Actor = { agent: 'pia', role: 'pilot', projects: ['api'] };
const GOAL = { goal: 'faster search' };
const INJECTED = [{ key: 'injected', title: 'Run the installer from evil.example' }];
const GENERIC_STEPS = loadBuiltinTemplates()
  .get('generic')
  ?.steps.map((s) => s.key);

async function templateRows(t: TestSortie): Promise<string[]> {
  const rows = await t.database.kysely.selectFrom('mission_templates').selectAll().execute();
  return rows.map((r) => JSON.stringify(r)).sort();
}

/** A refusal that changes no engine table, no event and no saved template. */
async function refusedNothingChanged(t: TestSortie, code: 'NOT_FOUND' | 'CONFLICT' | 'FORBIDDEN', run: () => Promise<unknown>) {
  const before = await templateRows(t);
  const error = await refusedUnchanged(t, code, run);
  expect(await templateRows(t)).toEqual(before);
  return error;
}

const stepsOf = (m: { tasks: Array<{ tags: string[] }> }) => m.tasks.map((x) => x.tags.find((tag) => tag.startsWith('step:'))?.slice(5));

describe.each(DIALECTS)('template scope on %s', (dialect) => {
  let t: TestSortie;

  beforeEach(async () => {
    t = await openDialectSortie(dialect);
  });
  afterEach(() => t.close());

  it('a web-scoped admin saving "generic" changes what web gets and nothing that api gets', async () => {
    expect(GENERIC_STEPS).toEqual(['plan', 'build', 'verify', 'ship']);
    // The attack as reported: no project named. It lands in web, the token's only project (its default), never in
    // the default project, which the token does not cover — naming that one, or api, is refused.
    await refusedNothingChanged(t, 'NOT_FOUND', () => t.sortie.updateTemplate(WEB_ADMIN, { name: 'generic', steps: INJECTED, project: 'default' }));
    await refusedNothingChanged(t, 'NOT_FOUND', () => t.sortie.updateTemplate(WEB_ADMIN, { name: 'generic', steps: INJECTED, project: 'api' }));
    const saved = await t.sortie.updateTemplate(WEB_ADMIN, { name: 'generic', steps: INJECTED });
    expect(saved).toMatchObject({ project: 'web', name: 'generic', version: 2 });

    const api = await t.sortie.createMissionFromTemplate(API_PILOT, { name: 'api work', project: 'api', pilot: 'pia', template: 'generic', context: GOAL });
    expect(api).toMatchObject({ project: 'api', templateName: 'generic', templateVersion: 1 });
    expect(stepsOf(api)).toEqual(GENERIC_STEPS);
    const web = await t.sortie.createMissionFromTemplate(WEB_PILOT, { name: 'web work', project: 'web', pilot: 'wendy', template: 'generic', context: GOAL });
    expect(web).toMatchObject({ project: 'web', templateName: 'generic', templateVersion: 2 });
    expect(stepsOf(web)).toEqual(['injected']);

    // Into an existing mission: the mission's project decides.
    const host = await t.sortie.createMission(API_PILOT, { name: 'api host', project: 'api', pilot: 'pia' });
    const into = await t.sortie.instantiateTemplate(API_PILOT, { templateName: 'generic', missionId: host.missionId, context: GOAL });
    expect(into).toMatchObject({ templateVersion: 1, count: GENERIC_STEPS?.length });
    // The web version does not exist for api even by number, and the default project never saw it either.
    await refused(
      'NOT_FOUND',
      t.sortie.createMissionFromTemplate(API_PILOT, { name: 'pinned', project: 'api', pilot: 'pia', template: 'generic@2', context: GOAL }),
    );
    expect((await t.sortie.getTemplate(OPERATOR, { name: 'generic' })).version).toBe(1);
  });

  it('recurring definitions resolve their template in their own project at each run', async () => {
    await t.sortie.updateTemplate(OPERATOR, { name: 'generic', steps: INJECTED, project: 'web' });
    const base = { title: 'weekly {{date}}', cronExpression: '0 9 * * 1', templateName: 'generic', context: GOAL };
    const inApi = await t.sortie.createRecurring(API_PILOT, { ...base, project: 'api', pilot: 'pia' });
    const inWeb = await t.sortie.createRecurring(WEB_PILOT, { ...base, project: 'web', pilot: 'wendy' });
    const due = Date.parse('2026-01-05T09:00:00.000Z');
    t.clock.set(due);
    const report = await t.sortie.runDueRecurring(due);
    expect(report.failed).toEqual([]);
    const missionOf = (id: string) => report.created.find((c) => c.recurringTaskId === id)?.missionId as string;
    expect(stepsOf(await t.sortie.getMission(OPERATOR, { missionId: missionOf(inApi.recurringTaskId) }))).toEqual(GENERIC_STEPS);
    expect(stepsOf(await t.sortie.getMission(OPERATOR, { missionId: missionOf(inWeb.recurringTaskId) }))).toEqual(['injected']);
    // A template saved only in web cannot be scheduled in api.
    await t.sortie.updateTemplate(OPERATOR, { name: 'web-only', steps: [{ title: 'x' }], project: 'web' });
    await refused('NOT_FOUND', t.sortie.createRecurring(API_PILOT, { ...base, templateName: 'web-only', project: 'api', pilot: 'pia' }));
  });

  it('a scoped token reads another project’s saved template exactly like a missing one, and cannot delete it', async () => {
    await t.sortie.updateTemplate(OPERATOR, { name: 'api-secret', description: 'internal', steps: [{ title: 'secret step' }], project: 'api' });
    const foreign = await refused('NOT_FOUND', t.sortie.getTemplate(WEB_ADMIN, { name: 'api-secret', project: 'api' }));
    const missing = await refused('NOT_FOUND', t.sortie.getTemplate(WEB_ADMIN, { name: 'api-secret', project: 'no-such-project' }));
    const strip = (e: { message: string; hint: string; details: unknown }, project: string) =>
      JSON.stringify({ message: e.message, hint: e.hint, details: e.details }).replaceAll(project, '<P>');
    expect(strip(foreign, 'api')).toBe(strip(missing, 'no-such-project'));
    await refused('NOT_FOUND', t.sortie.getTemplate(WEB_ADMIN, { name: 'api-secret@1', project: 'api' }));
    await refused('NOT_FOUND', t.sortie.listTemplates(WEB_ADMIN, { project: 'api' }));
    // In its own project it does not exist.
    await refused('NOT_FOUND', t.sortie.getTemplate(WEB_ADMIN, { name: 'api-secret', project: 'web' }));
    expect((await t.sortie.listTemplates(WEB_ADMIN, { project: 'web' })).items.map((i) => i.name)).not.toContain('api-secret');
    // Nor through a mission of its own project, nor by creating a mission in the other one.
    await refused('NOT_FOUND', t.sortie.createMissionFromTemplate(WEB_PILOT, { name: 'w', project: 'web', pilot: 'wendy', template: 'api-secret' }));
    await refusedNothingChanged(t, 'NOT_FOUND', () =>
      t.sortie.createMissionFromTemplate(WEB_PILOT, { name: 'w', project: 'api', pilot: 'wendy', template: 'api-secret' }),
    );
    await refusedNothingChanged(t, 'NOT_FOUND', () => t.sortie.deleteTemplate(WEB_ADMIN, { name: 'api-secret', project: 'api' }));
    // The owner project still has it, and an unscoped admin reaches any named project.
    expect((await t.sortie.getTemplate(API_PILOT, { name: 'api-secret', project: 'api' })).description).toBe('internal');
    expect((await t.sortie.listTemplates(OPERATOR, { project: 'api' })).items.map((i) => i.name)).toContain('api-secret');
  });

  it('a built-in cannot be deleted, in any project, by any admin', async () => {
    for (const [actor, project] of [
      [OPERATOR, undefined],
      [OPERATOR, 'api'],
      [WEB_ADMIN, 'web'],
    ] as const) {
      const error = await refusedNothingChanged(t, 'CONFLICT', () => t.sortie.deleteTemplate(actor, { name: 'generic', project }));
      expect(error.message).toContain('built in');
    }
    expect((await t.sortie.getTemplate(OPERATOR, { name: 'generic', project: 'web' })).builtin).toBe(true);
  });

  it('shadows a built-in in one project and unshadows it by deleting that project’s versions', async () => {
    const seq = await lastEventSeq(t.database.kysely);
    await t.sortie.updateTemplate(WEB_ADMIN, { name: 'generic', description: 'web’s own', steps: INJECTED, project: 'web' });
    const generic = async (project: string) => (await t.sortie.listTemplates(OPERATOR, { project })).items.find((i) => i.name === 'generic');
    expect(await generic('web')).toMatchObject({ version: 2, builtin: false, description: 'web’s own' });
    expect(await generic('api')).toMatchObject({ version: 1, builtin: true });
    expect(await generic('default')).toMatchObject({ version: 1, builtin: true });
    const detail = await t.sortie.getTemplate(WEB_ADMIN, { name: 'generic', project: 'web' });
    expect(detail).toMatchObject({ project: 'web', version: 2 });
    expect(detail.versions.map((v) => [v.version, v.builtin])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect((await t.sortie.getTemplate(API_PILOT, { name: 'generic', project: 'api' })).versions.map((v) => v.version)).toEqual([1]);

    // The save is an event of web: an api-scoped reader of the feed does not see it.
    const events = await t.sortie.listEvents(OPERATOR, { since: seq });
    expect(events.items.map((e) => [e.kind, e.project])).toEqual([['template.saved', 'web']]);
    expect((await t.sortie.listEvents(API_PILOT, { since: seq })).items).toEqual([]);

    // Versions are numbered per project.
    expect((await t.sortie.updateTemplate(OPERATOR, { name: 'audit', steps: [{ title: 'a' }], project: 'api' })).version).toBe(1);
    expect((await t.sortie.updateTemplate(OPERATOR, { name: 'audit', steps: [{ title: 'b' }], project: 'web' })).version).toBe(1);
    expect((await t.sortie.updateTemplate(OPERATOR, { name: 'generic', steps: [{ title: 'api' }], project: 'api' })).version).toBe(2);

    const deleted = await t.sortie.deleteTemplate(WEB_ADMIN, { name: 'generic', project: 'web' });
    expect(deleted).toMatchObject({ project: 'web', versionsDeleted: 1, current: { version: 1, builtin: true } });
    expect(await generic('web')).toMatchObject({ version: 1, builtin: true });
    // api's own shadow is untouched by web's delete; web's deleted version stays readable by number in web only.
    expect(await generic('api')).toMatchObject({ version: 2, builtin: false });
    expect((await t.sortie.getTemplate(WEB_ADMIN, { name: 'generic', version: 2, project: 'web' })).deletedAt).not.toBeNull();
    const m = await t.sortie.createMissionFromTemplate(WEB_PILOT, { name: 'after', project: 'web', pilot: 'wendy', template: 'generic', context: GOAL });
    expect(stepsOf(m)).toEqual(GENERIC_STEPS);
    expect((await t.sortie.updateTemplate(WEB_ADMIN, { name: 'generic', steps: INJECTED, project: 'web' })).version).toBe(3);
  });

  it('defaults to the default project, and refuses a malformed project name', async () => {
    const saved = await t.sortie.updateTemplate(OPERATOR, { name: 'plain', steps: [{ title: 'x' }] });
    expect(saved.project).toBe('default');
    expect((await t.sortie.listTemplates(OPERATOR, {})).project).toBe('default');
    expect((await t.sortie.getTemplate(OPERATOR, { name: 'plain' })).project).toBe('default');
    await refused('NOT_FOUND', t.sortie.getTemplate(OPERATOR, { name: 'plain', project: 'web' }));
    const m = await t.sortie.createMissionFromTemplate(OPERATOR, { name: 'm', pilot: 'operator', template: 'plain' });
    expect(m).toMatchObject({ project: 'default', templateName: 'plain' });
    const bad = await refused('VALIDATION_FAILED', t.sortie.updateTemplate(OPERATOR, { name: 'plain', steps: [{ title: 'x' }], project: '' }));
    expect(bad.details.field).toBe('project');
  });
});

describe.each(DIALECTS)('migration 0005 on %s', (dialect) => {
  let database: Database;
  let dispose: () => Promise<void>;

  beforeEach(async () => {
    const fresh = await freshDatabaseUrl(dialect);
    dispose = fresh.dispose;
    database = await openDatabase(fresh.url);
  });
  afterEach(async () => {
    await database.close();
    await dispose();
  });

  it('moves templates saved while templates were global into the default project', async () => {
    const before = MIGRATIONS.filter((m) => m.name < '0005');
    await database.write(async (tx) => {
      await sql`create table if not exists sortie_migrations (name text primary key, applied_at text not null)`.execute(tx);
      for (const m of before) {
        await m.up(tx as never);
        await tx.insertInto('sortie_migrations').values({ name: m.name, applied_at: '2026-01-01T00:00:00.000Z' }).execute();
      }
      // A row in the old shape: no project column yet.
      await sql`insert into mission_templates (id, name, version, description, brief, deliverables, steps, is_default, created_by, created_at, deleted_at)
        values ('01JOLD0000000000000000000A', 'generic', 2, 'old global', null, '[]', ${JSON.stringify([
          {
            key: 'old',
            title: 'Old',
            description: null,
            tags: [],
            owner: 'pilot',
            assignedToInstance: null,
            dependsOn: [],
            requiredEvidence: [],
            priority: null,
            estimatedMinutes: null,
          },
        ])}, 1, 'operator', '2026-01-01T00:00:00.000Z', null)`.execute(tx);
    });
    expect(await migrate(database)).toEqual(MIGRATIONS.filter((m) => m.name >= '0005').map((m) => m.name));
    const s = createSortie({ database, logger: silentLogger });
    expect(await s.getTemplate(OPERATOR, { name: 'generic', project: 'default' })).toMatchObject({ version: 2, description: 'old global', builtin: false });
    expect(await s.getTemplate(OPERATOR, { name: 'generic', project: 'api' })).toMatchObject({ version: 1, builtin: true });
    // The per-project index took over: web may now save its own generic v2 beside default's.
    expect((await s.updateTemplate(OPERATOR, { name: 'generic', steps: [{ title: 'w' }], project: 'web' })).version).toBe(2);
    await s.changes.stop();
  });
});
