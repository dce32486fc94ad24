// Mission templates on every dialect: the built-in catalogue, versions, validation that creates nothing, and
// instantiation — one transaction, chained and owned steps, every built-in driven to complete with its evidence.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../src/core/model.js';
import { loadBuiltinTemplates } from '../src/service/template-catalogue.js';
import { DIALECTS, openDialectSortie } from './support/dialects.js';
import { driveMissionToComplete } from './support/drive.js';
import { refused } from './support/refusal.js';
import type { TestSortie } from './support/sortie.js';

const alice: Actor = { agent: 'alice' };
const BUILTINS = ['doc-completion', 'generic', 'issue-resolution', 'new-feature', 'repo-fix'];

/** Values for every placeholder a built-in uses. */
const CONTEXT: Record<string, string> = {
  goal: 'faster search',
  scope: 'the CLI',
  issue: '#77',
  repo: 'acme/api',
  problem: 'crash on empty input',
  feature: 'dark mode',
};

async function counts(t: TestSortie) {
  const db = t.database.kysely;
  const n = async (table: 'missions' | 'tasks' | 'task_deps' | 'events' | 'mission_templates') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select(({ fn }) => fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    missions: await n('missions'),
    tasks: await n('tasks'),
    deps: await n('task_deps'),
    events: await n('events'),
    templates: await n('mission_templates'),
  };
}

describe.each(DIALECTS)('templates on %s', (dialect) => {
  let t: TestSortie;

  beforeEach(async () => {
    t = await openDialectSortie(dialect);
  });
  afterEach(() => t.close());

  it('lists the five built-ins from their files, with no database write', async () => {
    const before = await counts(t);
    const { items } = await t.sortie.listTemplates(alice, {});
    expect(items.map((i) => i.name).sort()).toEqual(BUILTINS);
    expect(items[0]).toMatchObject({ name: 'generic', isDefault: true, builtin: true, version: 1 });
    expect(items.find((i) => i.name === 'issue-resolution')?.placeholders).toEqual(['issue']);
    expect(await counts(t)).toEqual(before);
  });

  it('shows issue-resolution as a chain whose fix, suite and merge steps demand commit, test ratio and PR', async () => {
    const tpl = await t.sortie.getTemplate(alice, { name: 'issue-resolution' });
    expect(tpl.steps.map((s) => s.key)).toEqual(['acknowledge', 'reproduce', 'fix', 'suite', 'review', 'merge', 'verify-after-release']);
    expect(tpl.steps.slice(1).map((s) => s.dependsOn)).toEqual(tpl.steps.slice(0, -1).map((s) => [s.key]));
    const byKey = new Map(tpl.steps.map((s) => [s.key, s]));
    expect(byKey.get('fix')?.requiredEvidence).toEqual(['commit']);
    expect(byKey.get('suite')?.requiredEvidence).toEqual(['test_ratio']);
    expect(byKey.get('merge')?.requiredEvidence).toEqual(['pr']);
    expect(tpl.deliverables.map((d) => d.name)).toEqual(['fix', 'regression-test']);
  });

  it('new-feature builds backend and frontend in parallel after design and joins them at tests', async () => {
    const tpl = await t.sortie.getTemplate(alice, { name: 'new-feature' });
    const deps = Object.fromEntries(tpl.steps.map((s) => [s.key, s.dependsOn]));
    expect(deps.backend).toEqual(['design']);
    expect(deps.frontend).toEqual(['design']);
    expect(deps.tests).toEqual(['backend', 'frontend']);
  });

  it('saves every change as a new version above the built-in, keeps old versions readable, and deletes softly', async () => {
    const first = await t.sortie.updateTemplate(alice, { name: 'audit', steps: [{ key: 'scan', title: 'Scan' }] });
    const second = await t.sortie.updateTemplate(alice, {
      name: 'audit',
      steps: [
        { key: 'scan', title: 'Scan' },
        { key: 'report', title: 'Report' },
      ],
    });
    expect([first.version, second.version]).toEqual([1, 2]);
    expect((await t.sortie.getTemplate(alice, { name: 'audit' })).steps.map((s) => s.key)).toEqual(['scan', 'report']);
    expect((await t.sortie.getTemplate(alice, { name: 'audit', version: 1 })).steps.map((s) => s.key)).toEqual(['scan']);
    expect((await t.sortie.getTemplate(alice, { name: 'audit@1' })).version).toBe(1);

    const override = await t.sortie.updateTemplate(alice, { name: 'generic', description: 'ours', steps: [{ key: 'do', title: 'Do it' }] });
    expect(override.version).toBe(2);
    const listed = (await t.sortie.listTemplates(alice, {})).items.find((i) => i.name === 'generic');
    expect(listed).toMatchObject({ version: 2, builtin: false, description: 'ours' });
    expect((await t.sortie.getTemplate(alice, { name: 'generic', version: 1 })).builtin).toBe(true);

    const deleted = await t.sortie.deleteTemplate(alice, { name: 'generic' });
    expect(deleted).toMatchObject({ versionsDeleted: 1, current: { version: 1, builtin: true } });
    expect((await t.sortie.getTemplate(alice, { name: 'generic' })).builtin).toBe(true);
    expect((await t.sortie.getTemplate(alice, { name: 'generic', version: 2 })).deletedAt).not.toBeNull();
    await t.sortie.deleteTemplate(alice, { name: 'audit' });
    await refused('NOT_FOUND', t.sortie.getTemplate(alice, { name: 'audit' }));
    expect((await t.sortie.getTemplate(alice, { name: 'audit', version: 2 })).deletedAt).not.toBeNull();
    expect((await t.sortie.listTemplates(alice, {})).items.map((i) => i.name)).not.toContain('audit');
    await refused('CONFLICT', t.sortie.deleteTemplate(alice, { name: 'repo-fix' }));
    expect((await t.sortie.updateTemplate(alice, { name: 'audit', steps: [{ title: 'again' }] })).version).toBe(3);
  });

  it('gives concurrent saves of one name distinct, consecutive versions', async () => {
    const saves = await Promise.all([1, 2, 3, 4, 5].map((i) => t.sortie.updateTemplate(alice, { name: 'race', steps: [{ title: `v${i}` }] })));
    expect(saves.map((r) => r.version).sort()).toEqual([1, 2, 3, 4, 5]);
    expect((await t.sortie.getTemplate(alice, { name: 'race' })).versions.map((v) => v.version)).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses invalid saves — cycle, unknown dependency, duplicate key — and creates nothing', async () => {
    const before = await counts(t);
    const cycle = await refused(
      'DEPENDENCY_CYCLE',
      t.sortie.updateTemplate(alice, {
        name: 'loop',
        steps: [
          { key: 'a', title: 'A', dependsOn: ['b'] },
          { key: 'b', title: 'B' },
        ],
      }),
    );
    expect(cycle.message).toMatch(/a → b → a|b → a → b/);
    const unknown = await refused(
      'VALIDATION_FAILED',
      t.sortie.updateTemplate(alice, { name: 'loop', steps: [{ key: 'a', title: 'A', dependsOn: ['ghost'] }] }),
    );
    expect(unknown.details).toMatchObject({ unknown: ['ghost'] });
    const duplicate = await refused(
      'VALIDATION_FAILED',
      t.sortie.updateTemplate(alice, {
        name: 'loop',
        steps: [
          { key: 'a', title: 'A' },
          { key: 'a', title: 'B' },
        ],
      }),
    );
    expect(duplicate.details).toMatchObject({ duplicate: 'a' });
    expect(await counts(t)).toEqual(before);
    await refused('NOT_FOUND', t.sortie.getTemplate(alice, { name: 'loop' }));
  });

  it('creates an issue-resolution mission in one call: steps chained, owned, evidence-bound, template recorded', async () => {
    const m = await t.sortie.createMissionFromTemplate(alice, {
      name: 'Fix #77',
      pilot: 'alice',
      agents: ['bob'],
      template: 'issue-resolution',
      context: { issue: '#77' },
    });
    expect(m).toMatchObject({ templateName: 'issue-resolution', templateVersion: 1, status: 'brainstorm' });
    expect(m.brief).toContain('Resolve issue **#77**');
    expect(m.deliverables.map((d) => d.name)).toEqual(['fix', 'regression-test']);
    expect(m.tasks.map((x) => x.key)).toEqual(['T0', 'T1', 'T2', 'T3', 'T4', 'T5', 'T6']);
    expect(m.tasks[0].title).toBe('Acknowledge issue #77');
    for (let i = 1; i < m.tasks.length; i++) expect(m.tasks[i].dependsOn).toEqual([m.tasks[i - 1].taskId]);
    expect(m.tasks.map((x) => x.assignedTo)).toEqual(['alice', null, null, null, 'alice', 'alice', 'alice']);
    expect(m.tasks.map((x) => x.requiredEvidence)).toEqual([['issue'], ['file'], ['commit'], ['test_ratio'], [], ['pr'], []]);
    expect(m.tasks[2].tags).toContain('step:fix');
    const events = await t.sortie.listEvents(alice, { missionId: m.missionId });
    expect(events.items.map((e) => e.kind)).toEqual(['mission.created', ...Array(7).fill('task.created'), 'mission.template_applied']);
  });

  it('refuses a missing placeholder or an unresolvable owner and creates nothing, naming what is wrong', async () => {
    await t.sortie.updateTemplate(alice, {
      name: 'pair',
      steps: [
        { key: 'a', title: 'A {{topic}}' },
        { key: 'b', title: 'B', owner: 'agent:1' },
      ],
    });
    const before = await counts(t);
    const missing = await refused(
      'VALIDATION_FAILED',
      t.sortie.createMissionFromTemplate(alice, { name: 'x', pilot: 'alice', template: 'issue-resolution', context: {} }),
    );
    expect(missing.details.missing).toEqual(['issue']);
    const owner = await refused(
      'VALIDATION_FAILED',
      t.sortie.createMissionFromTemplate(alice, { name: 'x', pilot: 'alice', template: 'pair', context: { topic: 'y' } }),
    );
    expect(owner.message).toContain('step b: agent:1 needs at least 1 agent(s) besides the pilot');
    await refused('NOT_FOUND', t.sortie.createMissionFromTemplate(alice, { name: 'x', pilot: 'alice', template: 'nope', context: {} }));
    expect(await counts(t)).toEqual(before);
  });

  it('instantiation into a mission is all or nothing: a refusal at the last step leaves no task behind', async () => {
    await t.sortie.updateTemplate(alice, {
      name: 'tagged',
      steps: [
        { key: 'a', title: 'A' },
        { key: 'b', title: 'B' },
        { key: 'c', title: 'C', tags: ['area:{{area}}'] },
      ],
    });
    const m = await t.sortie.createMission(alice, { name: 'host', pilot: 'alice' });
    const before = await counts(t);
    // The rendered tag is longer than a task tag may be, so the third task's creation is refused after the
    // first two were inserted in the same transaction.
    await expect(t.sortie.instantiateTemplate(alice, { templateName: 'tagged', missionId: m.missionId, context: { area: 'x'.repeat(60) } })).rejects.toThrow();
    expect(await counts(t)).toEqual(before);
    const after = await t.sortie.getMission(alice, { missionId: m.missionId });
    expect(after.tasks).toEqual([]);
    expect(after.templateName).toBeNull();
    const ok = await t.sortie.instantiateTemplate(alice, { templateName: 'tagged', missionId: m.missionId, context: { area: 'api' } });
    expect(ok.keys).toEqual(['T0', 'T1', 'T2']);
  });

  it('instantiates into an existing mission after its tasks, adding deliverables and recording the template', async () => {
    const m = await t.sortie.createMission(alice, {
      name: 'Docs',
      pilot: 'alice',
      brief: 'own brief',
      deliverables: [{ name: 'docs', acceptedKinds: ['url'] }],
    });
    await t.sortie.createTask(alice, { title: 'warm-up', missionId: m.missionId });
    const result = await t.sortie.instantiateTemplate(alice, {
      templateName: 'doc-completion',
      missionId: m.missionId,
      context: { scope: 'the API' },
      titlePrefix: '[api]',
    });
    expect(result).toMatchObject({ templateName: 'doc-completion', templateVersion: 1, count: 4, keys: ['T1', 'T2', 'T3', 'T4'] });
    const after = await t.sortie.getMission(alice, { missionId: m.missionId });
    expect(after.brief).toBe('own brief');
    expect(after.deliverables.map((d) => [d.name, d.acceptedKinds])).toEqual([
      ['docs', ['url']],
      ['announcement', ['url']],
    ]);
    expect(after.tasks[1].title).toBe('[api] Audit existing docs for the API');
    expect(after.tasks[2].dependsOn).toEqual([after.tasks[1].taskId]);
    expect(after).toMatchObject({ templateName: 'doc-completion', templateVersion: 1 });
    await refused('FORBIDDEN', t.sortie.instantiateTemplate({ agent: 'mallory' }, { templateName: 'generic', missionId: m.missionId, context: CONTEXT }));
  });

  it('instantiates a pinned old version by name@version', async () => {
    await t.sortie.updateTemplate(alice, { name: 'v', steps: [{ title: 'one' }] });
    await t.sortie.updateTemplate(alice, { name: 'v', steps: [{ title: 'one' }, { title: 'two' }] });
    const m = await t.sortie.createMissionFromTemplate(alice, { name: 'pinned', pilot: 'alice', template: 'v@1' });
    expect(m.tasks.map((x) => x.title)).toEqual(['one']);
    expect(m.templateVersion).toBe(1);
  });

  it('leaves template editing to admins and instantiation to pilots (token roles)', async () => {
    await refused('FORBIDDEN', t.sortie.updateTemplate({ agent: 'p', role: 'pilot' }, { name: 'x', steps: [{ title: 'a' }] }));
    await refused(
      'FORBIDDEN',
      t.sortie.createMissionFromTemplate({ agent: 'w', role: 'worker' }, { name: 'x', pilot: 'w', template: 'generic', context: CONTEXT }),
    );
    const m = await t.sortie.createMissionFromTemplate({ agent: 'p', role: 'pilot' }, { name: 'x', pilot: 'p', template: 'generic', context: CONTEXT });
    expect(m.tasks).toHaveLength(4);
  });

  it.each(BUILTINS)('built-in %s instantiates and its mission is driven to complete with the evidence each step demands', async (name) => {
    const template = loadBuiltinTemplates().get(name);
    const context = Object.fromEntries((template?.placeholders ?? []).map((p) => [p, CONTEXT[p]]));
    const m = await t.sortie.createMissionFromTemplate(alice, { name: `run ${name}`, pilot: 'alice', agents: ['bob'], template: name, context });
    expect(m.tasks).toHaveLength(template?.steps.length ?? -1);
    const done = await driveMissionToComplete(t.sortie, m.missionId);
    expect(done.status).toBe('complete');
    expect(done.tasks.every((x) => x.status === 'done')).toBe(true);
  });
});
