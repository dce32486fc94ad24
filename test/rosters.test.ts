// Rosters and the default project on every dialect, through the service. Without tokens any name goes on a roster;
// once a token exists, a mission's pilot and agents and a task's assignee must hold a live token covering the
// project — every other name is refused with VALIDATION_FAILED naming the argument and the agents, changing
// nothing. A token scoped to one project makes it the default of every call that names none.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../src/core/model.js';
import { DIALECTS, openDialectSortie } from './support/dialects.js';
import { refused } from './support/refusal.js';
import type { TestSortie } from './support/sortie.js';
import { refusedUnchanged } from './support/unchanged.js';

const OPERATOR: Actor = { agent: 'operator' };
/** What the token of pia (pilot, web only) makes of a request. */
const PIA: Actor = { agent: 'pia', role: 'pilot', projects: ['web'] };
const TWO: Actor = { agent: 'tess', role: 'pilot', projects: ['web', 'api'] };
const ROOT: Actor = { agent: 'root', role: 'admin' };
const DAILY = '0 9 * * *';

describe.each(DIALECTS)('rosters on %s', (dialect) => {
  let t: TestSortie;

  beforeEach(async () => {
    t = await openDialectSortie(dialect);
  });
  afterEach(() => t.close());

  const s = () => t.sortie;
  async function definitions(): Promise<string[]> {
    const rows = await t.database.kysely.selectFrom('recurring_definitions').selectAll().execute();
    return rows.map((r) => JSON.stringify(r)).sort();
  }

  /** pia and wes (web), abe (api only), ali (every project), rex (web, revoked), tess (web and api). */
  async function fleet(): Promise<void> {
    await s().createToken(OPERATOR, { agent: 'pia', role: 'pilot', projects: ['web'] });
    await s().createToken(OPERATOR, { agent: 'wes', role: 'worker', projects: ['web'] });
    await s().createToken(OPERATOR, { agent: 'abe', role: 'worker', projects: ['api'] });
    await s().createToken(OPERATOR, { agent: 'ali', role: 'worker' });
    await s().createToken(OPERATOR, { agent: 'tess', role: 'pilot', projects: ['web', 'api'] });
    const rex = await s().createToken(OPERATOR, { agent: 'rex', role: 'worker', projects: ['web'] });
    await s().revokeToken(OPERATOR, { tokenId: rex.info.tokenId });
  }

  it('without tokens any name goes on a roster, as on one machine', async () => {
    const m = await s().createMission(OPERATOR, { name: 'local', project: 'web', pilot: 'anyone', agents: ['bob', 'carol'] });
    expect(m.agents).toEqual(['anyone', 'bob', 'carol']);
    const task = await s().createTask(OPERATOR, { title: 'x', missionId: m.missionId, assignedTo: 'dave' });
    expect(task.assignedTo).toBe('dave');
    await s().updateTask({ agent: 'anyone' }, { taskId: task.taskId, assignedTo: 'erin' });
    await s().updateMission({ agent: 'anyone' }, { missionId: m.missionId, pilot: 'frank', agents: ['gina'] });
    const fromTemplate = await s().createMissionFromTemplate(OPERATOR, {
      name: 'tpl',
      pilot: 'hank',
      agents: 'ivy',
      template: 'generic',
      context: { goal: 'g' },
    });
    expect(fromTemplate.project).toBe('default');
    await s().createRecurring(OPERATOR, { title: 'r', cronExpression: DAILY, assignedTo: 'jo' });
  });

  it('with tokens, a pilot or agents without a covering live token are refused naming them, and nothing changes', async () => {
    await fleet();
    const pilot = await refusedUnchanged(t, 'VALIDATION_FAILED', () => s().createMission(PIA, { name: 'm', project: 'web', pilot: 'bob' }));
    expect(pilot.message).toBe('pilot: bob holds no token for project web');
    expect(pilot.details).toMatchObject({ field: 'pilot', agents: ['bob'], project: 'web' });
    expect(pilot.hint).toContain('sortie token create --agent bob --project web --role pilot');
    // The agents that can see web: scoped to it or to every project, never abe (api) nor rex (revoked).
    expect(pilot.details.candidates).toEqual(['ali', 'pia', 'tess', 'wes']);
    expect(pilot.hint).toContain('ali, pia, tess, wes');
    // A project name with LIKE's wildcard in it matches only itself.
    await s().createToken(OPERATOR, { agent: 'uma', role: 'worker', projects: ['my_app'] });
    await s().createToken(OPERATOR, { agent: 'xavi', role: 'worker', projects: ['myXapp'] });
    const odd = await refusedUnchanged(t, 'VALIDATION_FAILED', () => s().createMission(ROOT, { name: 'm', project: 'my_app', pilot: 'xavi' }));
    expect(odd.details).toMatchObject({ agents: ['xavi'], candidates: ['ali', 'uma'] });

    // A revoked token and a token for another project do not count; every unknown agent is named.
    const agents = await refusedUnchanged(t, 'VALIDATION_FAILED', () =>
      s().createMission(PIA, { name: 'm', project: 'web', pilot: 'pia', agents: ['wes', 'abe', 'rex', 'nobody'] }),
    );
    expect(agents.message).toBe('agents: abe, rex, nobody hold no token for project web');
    expect(agents.details).toMatchObject({ field: 'agents', agents: ['abe', 'rex', 'nobody'] });
    expect(agents.hint).toContain('sortie token create --agent abe --project web');
    expect(agents.hint).not.toContain('--role pilot');

    // A token for every project counts, in any project; abe's counts in api.
    const web = await s().createMission(PIA, { name: 'web', project: 'web', pilot: 'pia', agents: ['wes', 'ali'] });
    expect(web.agents).toEqual(['pia', 'wes', 'ali']);
    const api = await s().createMission(ROOT, { name: 'api', project: 'api', pilot: 'ali', agents: ['abe', 'tess'] });
    expect(api.agents).toEqual(['ali', 'abe', 'tess']);
  });

  it('with tokens, a task assignee must cover the task’s project: create and update', async () => {
    await fleet();
    const m = await s().createMission(PIA, { name: 'web', project: 'web', pilot: 'pia', agents: ['wes'] });
    const inMission = await refusedUnchanged(t, 'VALIDATION_FAILED', () => s().createTask(PIA, { title: 'x', missionId: m.missionId, assignedTo: 'abe' }));
    expect(inMission.message).toBe('assignedTo: abe holds no token for project web');
    const loose = await refusedUnchanged(t, 'VALIDATION_FAILED', () => s().createTask(PIA, { title: 'x', project: 'web', assignedTo: 'rex' }));
    expect(loose.details).toMatchObject({ field: 'assignedTo', agents: ['rex'], project: 'web' });

    const task = await s().createTask(PIA, { title: 'x', missionId: m.missionId, assignedTo: 'wes' });
    expect(task.assignedTo).toBe('wes');
    const update = await refusedUnchanged(t, 'VALIDATION_FAILED', () => s().updateTask(PIA, { taskId: task.taskId, assignedTo: 'nobody' }));
    expect(update.message).toBe('assignedTo: nobody holds no token for project web');
    expect((await s().updateTask(PIA, { taskId: task.taskId, assignedTo: 'ali' })).assignedTo).toBe('ali');
    expect((await s().updateTask(PIA, { taskId: task.taskId, assignedTo: null })).assignedTo).toBeNull();
  });

  it('with tokens, update_mission refuses a new pilot or added agents without a token; members kept from before stay', async () => {
    await fleet();
    const m = await s().createMission(PIA, { name: 'web', project: 'web', pilot: 'pia', agents: ['wes'] });
    const pilot = await refusedUnchanged(t, 'VALIDATION_FAILED', () => s().updateMission(PIA, { missionId: m.missionId, pilot: 'abe' }));
    expect(pilot.details).toMatchObject({ field: 'pilot', agents: ['abe'] });
    const agents = await refusedUnchanged(t, 'VALIDATION_FAILED', () => s().updateMission(PIA, { missionId: m.missionId, agents: ['wes', 'rex'] }));
    expect(agents.message).toBe('agents: rex holds no token for project web');

    // wes loses its token: keeping wes while adding ali is no new assignment of wes; adding wes again would be.
    const wes = (await s().listTokens(OPERATOR, {})).find((x) => x.agent === 'wes');
    await s().revokeToken(OPERATOR, { tokenId: wes?.tokenId as string });
    expect((await s().updateMission(PIA, { missionId: m.missionId, agents: ['wes', 'ali'] })).agents).toEqual(['pia', 'wes', 'ali']);
    await s().updateMission(PIA, { missionId: m.missionId, agents: ['ali'] });
    await refusedUnchanged(t, 'VALIDATION_FAILED', () => s().updateMission(PIA, { missionId: m.missionId, agents: ['ali', 'wes'] }));
    // Handing the mission to a pilot with a token works.
    expect((await s().updateMission(PIA, { missionId: m.missionId, pilot: 'tess' })).pilot).toBe('tess');
  });

  it('with tokens, templates: a new mission’s roster is checked, and instantiating into a mission whose owner lost its token is refused', async () => {
    await fleet();
    const none = await refusedUnchanged(t, 'VALIDATION_FAILED', () =>
      s().createMissionFromTemplate(PIA, { name: 'tpl', project: 'web', pilot: 'pia', agents: ['nobody'], template: 'generic', context: { goal: 'g' } }),
    );
    expect(none.details).toMatchObject({ field: 'agents', agents: ['nobody'] });

    await s().updateTemplate(OPERATOR, {
      project: 'web',
      name: 'pair',
      steps: [
        { key: 'a', title: 'A', owner: 'agent:1' },
        { key: 'b', title: 'B', owner: 'pilot' },
      ],
    });
    const made = await s().createMissionFromTemplate(PIA, { name: 'pair', project: 'web', pilot: 'pia', agents: ['wes'], template: 'pair' });
    expect(made.tasks.map((x) => x.assignedTo)).toEqual(['wes', 'pia']);
    const wes = (await s().listTokens(OPERATOR, {})).find((x) => x.agent === 'wes');
    await s().revokeToken(OPERATOR, { tokenId: wes?.tokenId as string });
    const into = await refusedUnchanged(t, 'VALIDATION_FAILED', () => s().instantiateTemplate(PIA, { templateName: 'pair', missionId: made.missionId }));
    expect(into.message).toBe("assignedTo: wes holds no token for project web (the template assigns the mission's steps to them)");
  });

  it('with tokens, recurring definitions are checked when defined; a run whose roster lost its token fails and records why', async () => {
    await fleet();
    const before = await definitions();
    const task = await refused('VALIDATION_FAILED', s().createRecurring(PIA, { title: 'r', cronExpression: DAILY, project: 'web', assignedTo: 'abe' }));
    expect(task.message).toBe('assignedTo: abe holds no token for project web');
    // A mission definition's pilot defaults to the caller: the CLI's operator holds no token.
    const mission = { title: 'm', cronExpression: DAILY, project: 'web', templateName: 'generic', context: { goal: 'g' } };
    const pilot = await refused('VALIDATION_FAILED', s().createRecurring(OPERATOR, mission));
    expect(pilot.details).toMatchObject({ field: 'pilot', agents: ['operator'] });
    await refused('VALIDATION_FAILED', s().createRecurring(PIA, { ...mission, agents: ['rex'] }));
    expect(await definitions()).toEqual(before);

    const weekly = await s().createRecurring(PIA, { title: 'r', cronExpression: DAILY, project: 'web', assignedTo: 'wes' });
    const monthly = await s().createRecurring(PIA, { ...mission, agents: ['wes'] });
    await refused('VALIDATION_FAILED', s().updateRecurring(PIA, { recurringTaskId: weekly.recurringTaskId, assignedTo: 'nobody' }));
    await refused('VALIDATION_FAILED', s().updateRecurring(PIA, { recurringTaskId: monthly.recurringTaskId, pilot: 'abe' }));

    const wes = (await s().listTokens(OPERATOR, {})).find((x) => x.agent === 'wes');
    await s().revokeToken(OPERATOR, { tokenId: wes?.tokenId as string });
    // Editing something else keeps the roster it has (wes is not put on it anew).
    await s().updateRecurring(PIA, { recurringTaskId: weekly.recurringTaskId, description: 'still wes' });

    const due = Date.parse(weekly.nextRunAt as string);
    t.clock.set(due);
    const report = await s().runDueRecurring(due);
    expect(report.created).toEqual([]);
    expect(report.failed.map((f) => f.recurringTaskId).sort()).toEqual([weekly.recurringTaskId, monthly.recurringTaskId].sort());
    for (const def of [weekly, monthly]) {
      const after = await s().getRecurring(PIA, { recurringTaskId: def.recurringTaskId });
      expect(after.lastError).toMatch(/^VALIDATION_FAILED: (assignedTo|agents): wes holds no token for project web$/);
      expect(after.runs[0]).toMatchObject({ outcome: 'failed', taskId: null, missionId: null });
      expect(Date.parse(after.nextRunAt as string)).toBeGreaterThan(due);
    }
    expect((await s().listTasks(PIA, { project: 'web' })).items).toEqual([]);
  });

  it('a token scoped to one project makes it the default of every call that names none', async () => {
    await fleet();
    const m = await s().createMission(PIA, { name: 'mine', pilot: 'pia' });
    expect(m.project).toBe('web');
    expect((await s().createTask(PIA, { title: 'loose' })).project).toBe('web');
    expect((await s().listTemplates(PIA, {})).project).toBe('web');
    const saved = await s().updateTemplate({ agent: 'ada', role: 'admin', projects: ['web'] }, { name: 'own', steps: [{ title: 'x' }] });
    expect(saved.project).toBe('web');
    expect((await s().getTemplate(PIA, { name: 'own' })).project).toBe('web');
    expect((await s().createMissionFromTemplate(PIA, { name: 'tpl', pilot: 'pia', template: 'own' })).project).toBe('web');
    expect((await s().createRecurring(PIA, { title: 'r', cronExpression: DAILY, assignedTo: 'wes' })).project).toBe('web');

    // Several projects (or none named by the token): the configured default, which this token does not cover.
    const two = await refusedUnchanged(t, 'NOT_FOUND', () => s().createMission(TWO, { name: 'which', pilot: 'tess' }));
    expect(two.message).toBe('project default not found');
    expect((await s().createMission(ROOT, { name: 'root', pilot: 'ali' })).project).toBe('default');
  });
});
