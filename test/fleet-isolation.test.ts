// Projects are the isolation boundary. A token scoped to "web" must not see or touch anything of "api", and an
// id from "api" must answer exactly like an id that never existed: same code, same message (modulo the id),
// same hint — and, in-process, the very same SQL statements, so the answer takes the same path and time class.
// The "api" objects belong to the same agent name as the scoped token, so only the scope can refuse them.
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../src/core/model.js';
import { openDatabase } from '../src/db/database.js';
import { lastEventSeq } from '../src/db/events-repo.js';
import { createSortie } from '../src/service/sortie.js';
import type { AgentClient, ToolError } from './support/clients.js';
import { SHARED_DIALECTS } from './support/dialects.js';
import { connectWithToken, type FleetStore, mintToken, OPERATOR, openFleetStore, type Replica, startReplica } from './support/fleet.js';
import { silentLogger } from './support/sortie.js';

const PIA: Actor = { agent: 'pia' };

interface World {
  webMission: string;
  webTask: string;
  webHeld: string;
  apiMission: string;
  apiMissionName: string;
  apiTodo: string;
  apiHeld: string;
  apiCancelled: string;
  apiRecurring: string;
  template: string;
}

/** The same objects in both projects, all owned by pia; returns their ids. */
async function buildWorld(fleet: FleetStore): Promise<World> {
  const s = fleet.store.sortie;
  fleet.store.clock.set(Date.now());
  const web = await s.createMission(PIA, { name: 'web-launch', project: 'web', pilot: 'pia', status: 'plan' });
  const webTask = (await s.createTask(PIA, { title: 'web step', missionId: web.missionId })).taskId;
  const webHeldTask = (await s.createTask(PIA, { title: 'web held', missionId: web.missionId })).taskId;
  await s.updateMissionStatus(PIA, { missionId: web.missionId, status: 'execute' });
  await s.checkoutTask(PIA, { taskId: webHeldTask });

  const apiMissionName = 'api-secret-launch';
  const api = await s.createMission(PIA, { name: apiMissionName, project: 'api', pilot: 'pia', status: 'plan' });
  const apiTodo = (await s.createTask(PIA, { title: 'api todo', missionId: api.missionId })).taskId;
  const apiHeld = (await s.createTask(PIA, { title: 'api held', missionId: api.missionId })).taskId;
  const apiCancelled = (await s.createTask(PIA, { title: 'api cancelled', missionId: api.missionId })).taskId;
  await s.updateMissionStatus(PIA, { missionId: api.missionId, status: 'execute' });
  await s.checkoutTask(PIA, { taskId: apiHeld });
  await s.cancelTask(PIA, { taskId: apiCancelled, cancelReason: 'not needed' });
  const apiRecurring = (await s.createRecurring(PIA, { title: 'api nightly', cronExpression: '0 2 * * *', project: 'api', assignedTo: 'pia' })).recurringTaskId;
  await s.updateTemplate(OPERATOR, { name: 'isolation-tpl', steps: [{ key: 'a', title: 'A' }] });
  return {
    webMission: web.missionId,
    webTask,
    webHeld: webHeldTask,
    apiMission: api.missionId,
    apiMissionName,
    apiTodo,
    apiHeld,
    apiCancelled,
    apiRecurring,
    template: 'isolation-tpl',
  };
}

function masked(error: ToolError, id: string): string {
  return JSON.stringify({ code: error.code, message: error.message, hint: error.hint, details: error.details }).replaceAll(id, '<ID>');
}

for (const dialect of SHARED_DIALECTS) {
  describe(`project isolation over HTTP (${dialect})`, () => {
    let fleet: FleetStore;
    let replica: Replica;
    let w: World;
    const scoped = {} as Record<'pilot' | 'worker' | 'viewer' | 'admin', AgentClient>;
    let everywhere: AgentClient;

    beforeAll(async () => {
      fleet = await openFleetStore(dialect);
      w = await buildWorld(fleet);
      const tokens = {
        pilot: await mintToken(fleet.store, 'pia', 'pilot', ['web']),
        worker: await mintToken(fleet.store, 'pia', 'worker', ['web']),
        viewer: await mintToken(fleet.store, 'pia', 'viewer', ['web']),
        admin: await mintToken(fleet.store, 'pia', 'admin', ['web']),
      };
      const global = await mintToken(fleet.store, 'root', 'admin');
      replica = await startReplica(fleet.url);
      for (const [role, token] of Object.entries(tokens)) scoped[role as keyof typeof scoped] = await connectWithToken(replica.url, token, `pia-${role}`);
      everywhere = await connectWithToken(replica.url, global, 'root');
    });

    afterAll(async () => {
      await Promise.all([...Object.values(scoped), everywhere].map((c) => c?.close().catch(() => {})));
      await replica?.stop();
      await fleet?.dispose();
    });

    /** The foreign id and a never-existing one must be refused identically, and nothing may change. */
    async function sameAsMissing(client: AgentClient, tool: string, args: (id: string) => Record<string, unknown>, foreign: string, code = 'NOT_FOUND') {
      const missing = /^[0-9A-HJKMNP-TV-Z]{26}$/.test(foreign) ? ulid() : `no-such-${foreign.length}-${Math.random().toString(36).slice(2, 8)}`;
      const before = await lastEventSeq(fleet.store.database.kysely);
      const a = await client.refuse(tool, args(foreign));
      const b = await client.refuse(tool, args(missing));
      expect(a.code, `${tool}: ${a.message}`).toBe(code);
      expect(masked(a, foreign), tool).toBe(masked(b, missing));
      expect(await lastEventSeq(fleet.store.database.kysely)).toBe(before);
    }

    const MISSION_TOOLS: Array<[string, (id: string) => Record<string, unknown>]> = [
      ['get_mission', (id) => ({ missionId: id })],
      ['update_mission', (id) => ({ missionId: id, description: 'taken over' })],
      ['update_mission_status', (id) => ({ missionId: id, status: 'cancelled', reason: 'hostile' })],
      ['update_mission_progress', (id) => ({ missionId: id, progress: 99 })],
      ['add_mission_evidence', (id) => ({ missionId: id, evidence: [{ kind: 'pr', value: '#1' }] })],
      ['list_tasks_by_mission', (id) => ({ missionId: id })],
      ['create_task', (id) => ({ title: 'planted', missionId: id })],
      ['claim_next_task', (id) => ({ missionId: id })],
      ['list_events', (id) => ({ missionId: id })],
      ['get_task', (id) => ({ taskId: 'T0', missionId: id })],
      ['checkout_task', (id) => ({ taskId: 'T0', missionId: id })],
      ['instantiate_template_into_mission', (id) => ({ templateName: 'isolation-tpl', missionId: id })],
    ];

    it('every tool naming a mission of another project answers like a missing mission', async () => {
      for (const [tool, args] of MISSION_TOOLS) await sameAsMissing(scoped.pilot, tool, args, w.apiMission);
    });

    it('a mission named by its name in another project answers like an unknown name', async () => {
      for (const [tool, args] of MISSION_TOOLS.filter(([t]) => !['get_task', 'checkout_task'].includes(t))) {
        await sameAsMissing(scoped.pilot, tool, args, w.apiMissionName);
      }
    });

    it('every tool naming a task of another project answers like a missing task', async () => {
      const TASK_TOOLS: Array<[string, (id: string) => Record<string, unknown>, string]> = [
        ['get_task', (id) => ({ taskId: id }), w.apiTodo],
        ['update_task', (id) => ({ taskId: id, title: 'renamed' }), w.apiTodo],
        ['update_task', (id) => ({ taskId: id, status: 'done', completionNote: 'tests 3/3 pass' }), w.apiHeld],
        ['add_task_dependency', (id) => ({ taskId: id, dependsOn: w.webTask }), w.apiTodo],
        ['remove_task_dependency', (id) => ({ taskId: id, dependsOn: w.webTask }), w.apiTodo],
        ['cancel_task', (id) => ({ taskId: id, cancelReason: 'hostile' }), w.apiTodo],
        ['reopen_task', (id) => ({ taskId: id, reason: 'hostile' }), w.apiCancelled],
        ['delete_task', (id) => ({ taskId: id }), w.apiTodo],
        ['checkout_task', (id) => ({ taskId: id }), w.apiTodo],
        ['start_task', (id) => ({ taskId: id }), w.apiTodo],
        ['heartbeat_task', (id) => ({ taskId: id }), w.apiHeld],
        ['release_task', (id) => ({ taskId: id }), w.apiHeld],
        ['complete_task', (id) => ({ taskId: id, completionNote: 'tests 3/3 pass' }), w.apiHeld],
        ['block_task', (id) => ({ taskId: id, reason: 'hostile' }), w.apiHeld],
        ['fail_task', (id) => ({ taskId: id, failureNote: 'hostile' }), w.apiHeld],
        ['list_events', (id) => ({ taskId: id }), w.apiTodo],
      ];
      for (const [tool, args, id] of TASK_TOOLS) await sameAsMissing(scoped.pilot, tool, args, id);
      // Workers and viewers get the same answers for the calls their role allows.
      await sameAsMissing(scoped.worker, 'complete_task', (id) => ({ taskId: id, completionNote: 'tests 3/3 pass' }), w.apiHeld);
      await sameAsMissing(scoped.viewer, 'get_task', (id) => ({ taskId: id }), w.apiTodo);
      // A project-scoped admin is fenced exactly the same way.
      await sameAsMissing(scoped.admin, 'cancel_task', (id) => ({ taskId: id, cancelReason: 'hostile' }), w.apiTodo);
    });

    it('a task of another project named as a dependency or a blocker answers like a missing one', async () => {
      await sameAsMissing(
        scoped.pilot,
        'create_task',
        (id) => ({ title: 'needs it', missionId: w.webMission, dependsOn: [id] }),
        w.apiTodo,
        'VALIDATION_FAILED',
      );
      await sameAsMissing(scoped.pilot, 'add_task_dependency', (id) => ({ taskId: w.webTask, dependsOn: id }), w.apiTodo, 'VALIDATION_FAILED');
      await sameAsMissing(scoped.pilot, 'block_task', (id) => ({ taskId: w.webHeld, blockedOnTaskId: id }), w.apiTodo);
    });

    it('a project outside the token answers like a project that does not exist', async () => {
      for (const [tool, args] of [
        ['list_missions', (p: string) => ({ project: p })],
        ['list_tasks', (p: string) => ({ project: p })],
        ['list_events', (p: string) => ({ project: p })],
        ['claim_next_task', (p: string) => ({ project: p })],
        ['create_mission', (p: string) => ({ name: 'planted', project: p, pilot: 'pia' })],
        ['create_task', (p: string) => ({ title: 'planted', project: p })],
        ['create_recurring_task', (p: string) => ({ title: 'planted', cronExpression: '0 1 * * *', project: p })],
        ['list_recurring_tasks', (p: string) => ({ project: p })],
      ] as const) {
        await sameAsMissing(scoped.pilot, tool, args, 'api');
      }
    });

    it('a recurring definition of another project answers like a missing one', async () => {
      for (const tool of ['get_recurring_task', 'pause_recurring_task', 'delete_recurring_task']) {
        await sameAsMissing(scoped.pilot, tool, (id) => ({ recurringTaskId: id }), w.apiRecurring);
      }
    });

    it('resources of another project read like missing ones', async () => {
      const read = async (uri: string) => {
        try {
          await scoped.pilot.client.readResource({ uri });
        } catch (error) {
          return (error as Error).message;
        }
        throw new Error(`${uri} was readable`);
      };
      const missing = ulid();
      expect((await read(`sortie://missions/${w.apiMission}`)).replaceAll(w.apiMission, '<ID>')).toBe(
        (await read(`sortie://missions/${missing}`)).replaceAll(missing, '<ID>'),
      );
      const missingTask = ulid();
      expect((await read(`sortie://tasks/${w.apiTodo}`)).replaceAll(w.apiTodo, '<ID>')).toBe(
        (await read(`sortie://tasks/${missingTask}`)).replaceAll(missingTask, '<ID>'),
      );
    });

    it('lists, feeds and my_work show only the token’s projects, though the same agent owns work elsewhere', async () => {
      const missions = await scoped.pilot.call('list_missions', { status: 'all', limit: 200 });
      expect(missions.items.map((m: { project: string }) => m.project)).toEqual(['web']);
      const tasks = await scoped.pilot.call('list_tasks', { limit: 200 });
      expect(new Set(tasks.items.map((t: { project: string }) => t.project))).toEqual(new Set(['web']));
      const events = await scoped.pilot.call('list_events', { since: 0, limit: 500 });
      expect(events.items.length).toBeGreaterThan(0);
      expect(events.items.every((e: { project: string }) => e.project === 'web')).toBe(true);
      const work = await scoped.pilot.call('my_work');
      expect(work.claimed.map((t: { taskId: string }) => t.taskId)).toEqual([w.webHeld]);
      const recurring = await scoped.pilot.call('list_recurring_tasks', {});
      expect(recurring.items).toEqual([]);
      const resources = await scoped.pilot.client.listResources();
      expect(resources.resources.map((r) => r.uri)).toEqual([`sortie://missions/${w.webMission}`]);
      // An unscoped admin sees both projects, so the fence is the token, not the data.
      const all = await everywhere.call('list_missions', { status: 'all', limit: 200 });
      expect(new Set(all.items.map((m: { project: string }) => m.project))).toEqual(new Set(['web', 'api']));
    });

    it('nothing of the other project changed through all those calls', async () => {
      const s = fleet.store.sortie;
      const api = await s.getMission(OPERATOR, { missionId: w.apiMission });
      expect(api.status).toBe('execute');
      expect(api.tasks.map((t) => [t.title, t.status])).toEqual([
        ['api todo', 'todo'],
        ['api held', 'in_progress'],
        ['api cancelled', 'cancelled'],
      ]);
      expect((await s.listEvents(OPERATOR, { project: 'api', limit: 500 })).items.every((e) => e.actor === 'pia' && !['root'].includes(e.actor))).toBe(true);
      expect((await s.getRecurring(OPERATOR, { recurringTaskId: w.apiRecurring })).paused).toBe(false);
    });
  });

  describe(`a foreign id takes the same database path as a missing one (${dialect})`, () => {
    it('runs the same SQL statements for a foreign id as for a missing id, on reads and on writes', async () => {
      const fleet = await openFleetStore(dialect);
      try {
        const w = await buildWorld(fleet);
        let log: string[] = [];
        const traced = await openDatabase(fleet.url, { onQuery: (text) => log.push(text) });
        try {
          const sortie = createSortie({ database: traced, logger: silentLogger });
          const scopedPia: Actor = { agent: 'pia', role: 'pilot', projects: ['web'] };
          const calls: Array<[string, (id: string) => Promise<unknown>, string]> = [
            ['getTask', (id) => sortie.getTask(scopedPia, { taskId: id }), w.apiTodo],
            ['getMission', (id) => sortie.getMission(scopedPia, { missionId: id }), w.apiMission],
            ['checkoutTask', (id) => sortie.checkoutTask(scopedPia, { taskId: id }), w.apiTodo],
            ['completeTask', (id) => sortie.completeTask(scopedPia, { taskId: id, completionNote: 'tests 3/3 pass' }), w.apiHeld],
            ['cancelTask', (id) => sortie.cancelTask(scopedPia, { taskId: id, cancelReason: 'hostile' }), w.apiTodo],
            ['updateMissionStatus', (id) => sortie.updateMissionStatus(scopedPia, { missionId: id, status: 'validate' }), w.apiMission],
            ['getTask by key', (id) => sortie.getTask(scopedPia, { taskId: 'T1', missionId: id }), w.apiMission],
          ];
          for (const [name, call, foreign] of calls) {
            const missing = ulid();
            log = [];
            await expect(call(foreign), name).rejects.toMatchObject({ code: 'NOT_FOUND' });
            const foreignLog = log;
            log = [];
            await expect(call(missing), name).rejects.toMatchObject({ code: 'NOT_FOUND' });
            expect(foreignLog.length, name).toBeGreaterThan(0);
            expect(foreignLog, name).toEqual(log);
          }
        } finally {
          await traced.close();
        }
      } finally {
        await fleet.dispose();
      }
    });
  });
}
