// The permission matrix: every role × every tool family, through a real MCP client over HTTP with bearer tokens
// against a `sortie serve` process; and identity spoofing through createdBy / callerOrchestrator / headers.
// Each operation is set up so that it would succeed for the calling agent by ownership (it is the pilot, the
// creator, the holder): a refusal can only come from the role. A refused call must change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../src/core/permissions.js';
import { lastEventSeq } from '../src/db/events-repo.js';
import type { AgentClient } from './support/clients.js';
import { SHARED_DIALECTS } from './support/dialects.js';
import { connectWithToken, type FleetStore, mintToken, OPERATOR, openFleetStore, type Replica, startReplica } from './support/fleet.js';

const ROLE_AGENT: Record<Role, string> = { admin: 'ada', pilot: 'pia', worker: 'wes', viewer: 'vic' };
const ALL: Role[] = ['admin', 'pilot', 'worker', 'viewer'];
const WORKERS: Role[] = ['admin', 'pilot', 'worker'];
const MANAGERS: Role[] = ['admin', 'pilot'];
const ADMIN: Role[] = ['admin'];

interface Op {
  family: 'missions' | 'tasks' | 'work' | 'feed' | 'inbox' | 'templates' | 'recurring';
  tool: string;
  allowed: Role[];
  /** Prepares what the call needs, owned by `agent`, and returns its arguments. */
  setup(agent: string): Promise<Record<string, unknown>>;
  /** Checks a successful result beyond "not refused". */
  // biome-ignore lint/suspicious/noExplicitAny: tool results are read field by field
  check?(result: Record<string, any>, agent: string): void;
}

for (const dialect of SHARED_DIALECTS) {
  describe(`permission matrix over HTTP (${dialect})`, () => {
    let fleet: FleetStore;
    let replica: Replica;
    const clients = {} as Record<Role, AgentClient>;
    const tokens = {} as Record<Role, string>;
    let n = 0;
    const unique = (prefix: string) => `${prefix}-${++n}`;

    const s = () => fleet.store.sortie;
    const now = () => fleet.store.clock.set(Date.now());

    async function mission(pilot: string, opts: { status?: 'brainstorm' | 'plan' | 'execute'; agents?: string[]; tasks?: number } = {}) {
      now();
      const status = opts.status ?? 'brainstorm';
      const m = await s().createMission(
        { agent: pilot },
        { name: unique('mission'), project: 'web', pilot, agents: opts.agents, status: status === 'brainstorm' ? 'brainstorm' : 'plan' },
      );
      const taskIds: string[] = [];
      for (let i = 0; i < (opts.tasks ?? (status === 'execute' ? 1 : 0)); i++) {
        taskIds.push((await s().createTask({ agent: pilot }, { title: `step ${i}`, missionId: m.missionId })).taskId);
      }
      if (status === 'execute') await s().updateMissionStatus({ agent: pilot }, { missionId: m.missionId, status: 'execute' });
      return { missionId: m.missionId, taskIds };
    }

    async function task(creator: string) {
      now();
      return (await s().createTask({ agent: creator }, { title: unique('task'), project: 'web' })).taskId;
    }

    /** A task in an executing mission, claimed by `agent`. */
    async function held(agent: string) {
      const m = await mission('operator', { status: 'execute', agents: [agent] });
      now();
      await s().checkoutTask({ agent }, { taskId: m.taskIds[0] });
      return m.taskIds[0];
    }

    async function template() {
      now();
      const name = unique('tpl');
      // Saved into web, the project of every mission here: templates are per project.
      await s().updateTemplate(OPERATOR, {
        name,
        steps: [
          { key: 'a', title: 'first' },
          { key: 'b', title: 'second' },
        ],
        project: 'web',
      });
      return name;
    }

    async function recurring(creator: string, paused = false) {
      now();
      const r = await s().createRecurring(
        { agent: creator },
        { title: unique('weekly'), cronExpression: '0 9 * * 1', project: 'web', assignedTo: creator, paused },
      );
      return r.recurringTaskId;
    }

    const OPS: Op[] = [
      // missions
      { family: 'missions', tool: 'get_mission', allowed: ALL, setup: async () => ({ missionId: (await mission('operator')).missionId }) },
      { family: 'missions', tool: 'list_missions', allowed: ALL, setup: async () => ({ project: 'web' }) },
      {
        family: 'missions',
        tool: 'list_tasks_by_mission',
        allowed: ALL,
        setup: async () => ({ missionId: (await mission('operator', { tasks: 1 })).missionId }),
      },
      {
        family: 'missions',
        tool: 'create_mission',
        allowed: MANAGERS,
        setup: async (agent) => ({ name: unique('new'), project: 'web', pilot: agent }),
        check: (r, agent) => expect(r.createdBy).toBe(agent),
      },
      {
        family: 'missions',
        tool: 'update_mission',
        allowed: MANAGERS,
        setup: async (agent) => ({ missionId: (await mission(agent)).missionId, description: 'changed' }),
      },
      {
        family: 'missions',
        tool: 'update_mission_status',
        allowed: MANAGERS,
        setup: async (agent) => ({ missionId: (await mission(agent)).missionId, status: 'plan' }),
        check: (r) => expect(r.status).toBe('plan'),
      },
      {
        family: 'missions',
        tool: 'update_mission_progress',
        allowed: MANAGERS,
        setup: async (agent) => ({ missionId: (await mission(agent)).missionId, progress: 10 }),
      },
      {
        family: 'missions',
        tool: 'add_mission_evidence',
        allowed: MANAGERS,
        setup: async (agent) => ({ missionId: (await mission(agent)).missionId, evidence: [{ kind: 'pr', value: '#12' }] }),
      },
      // tasks
      { family: 'tasks', tool: 'get_task', allowed: ALL, setup: async () => ({ taskId: await task('operator') }) },
      { family: 'tasks', tool: 'list_tasks', allowed: ALL, setup: async () => ({ project: 'web' }) },
      {
        family: 'tasks',
        tool: 'create_task',
        allowed: MANAGERS,
        setup: async (agent) => ({ title: 'new step', missionId: (await mission(agent)).missionId }),
        check: (r, agent) => expect(r.createdBy).toBe(agent),
      },
      { family: 'tasks', tool: 'update_task', allowed: MANAGERS, setup: async (agent) => ({ taskId: await task(agent), title: 'renamed' }) },
      {
        family: 'tasks',
        tool: 'add_task_dependency',
        allowed: MANAGERS,
        setup: async (agent) => ({ taskId: await task(agent), dependsOn: await task(agent) }),
      },
      {
        family: 'tasks',
        tool: 'remove_task_dependency',
        allowed: MANAGERS,
        setup: async (agent) => {
          const dep = await task(agent);
          const t = (await s().createTask({ agent }, { title: unique('dependent'), project: 'web', dependsOn: [dep] })).taskId;
          return { taskId: t, dependsOn: dep };
        },
      },
      { family: 'tasks', tool: 'cancel_task', allowed: MANAGERS, setup: async (agent) => ({ taskId: await task(agent), cancelReason: 'not needed' }) },
      {
        family: 'tasks',
        tool: 'reopen_task',
        allowed: MANAGERS,
        setup: async (agent) => {
          const t = await task(agent);
          await s().cancelTask({ agent }, { taskId: t, cancelReason: 'paused' });
          return { taskId: t, reason: 'needed again' };
        },
      },
      { family: 'tasks', tool: 'delete_task', allowed: MANAGERS, setup: async (agent) => ({ taskId: await task(agent) }) },
      // work
      {
        family: 'work',
        tool: 'checkout_task',
        allowed: WORKERS,
        setup: async (agent) => ({ taskId: (await mission('operator', { status: 'execute', agents: [agent] })).taskIds[0] }),
        check: (r, agent) => expect(r.claim.claimedBy).toBe(agent),
      },
      {
        family: 'work',
        tool: 'start_task',
        allowed: WORKERS,
        setup: async (agent) => ({ taskId: (await mission('operator', { status: 'execute', agents: [agent] })).taskIds[0] }),
      },
      {
        family: 'work',
        tool: 'claim_next_task',
        allowed: WORKERS,
        setup: async (agent) => ({ missionId: (await mission('operator', { status: 'execute', agents: [agent] })).missionId }),
        check: (r, agent) => {
          expect(r.claimed).toBe(true);
          expect(r.task.claim.claimedBy).toBe(agent);
        },
      },
      { family: 'work', tool: 'heartbeat_task', allowed: WORKERS, setup: async (agent) => ({ taskId: await held(agent) }) },
      { family: 'work', tool: 'release_task', allowed: WORKERS, setup: async (agent) => ({ taskId: await held(agent), reason: 'later' }) },
      {
        family: 'work',
        tool: 'complete_task',
        allowed: WORKERS,
        setup: async (agent) => ({ taskId: await held(agent), completionNote: 'done; tests 3/3 pass' }),
        check: (r) => expect(r.status).toBe('done'),
      },
      { family: 'work', tool: 'block_task', allowed: WORKERS, setup: async (agent) => ({ taskId: await held(agent), reason: 'waiting for credentials' }) },
      {
        family: 'work',
        tool: 'pause_task',
        allowed: WORKERS,
        setup: async (agent) => ({ taskId: await held(agent), reason: 'back after the release' }),
        check: (r) => expect(r).toMatchObject({ status: 'todo', claim: null, pausedReason: 'back after the release' }),
      },
      { family: 'work', tool: 'fail_task', allowed: WORKERS, setup: async (agent) => ({ taskId: await held(agent), failureNote: 'the build server is gone' }) },
      // feed
      { family: 'feed', tool: 'list_events', allowed: ALL, setup: async () => ({ since: 0, limit: 5 }) },
      { family: 'feed', tool: 'my_work', allowed: ALL, setup: async () => ({}), check: (r, agent) => expect(r.agent).toBe(agent) },
      // inbox
      { family: 'inbox', tool: 'check_messages', allowed: ALL, setup: async () => ({ limit: 5 }), check: (r) => expect(r.unread).toBeGreaterThanOrEqual(0) },
      { family: 'inbox', tool: 'ack_messages', allowed: ALL, setup: async () => ({ upToSeq: 0 }), check: (r) => expect(r.acknowledged).toBe(0) },
      {
        family: 'inbox',
        tool: 'send_message',
        allowed: WORKERS,
        setup: async (agent) => {
          const { missionId } = await mission('ada', { agents: [agent, 'pia'] });
          return { to: agent === 'ada' ? 'pia' : 'ada', text: 'the staging database is back', missionId };
        },
        check: (r) => expect(r.sent).toBe(true),
      },
      // templates
      { family: 'templates', tool: 'list_mission_templates', allowed: ALL, setup: async () => ({ project: 'web' }) },
      { family: 'templates', tool: 'get_mission_template', allowed: ALL, setup: async () => ({ name: await template(), project: 'web' }) },
      {
        family: 'templates',
        tool: 'update_mission_template',
        allowed: ADMIN,
        setup: async () => ({ name: unique('tpl'), steps: [{ key: 'only', title: 'only step' }], project: 'web' }),
      },
      { family: 'templates', tool: 'delete_mission_template', allowed: ADMIN, setup: async () => ({ name: await template(), project: 'web' }) },
      {
        family: 'templates',
        tool: 'instantiate_template_into_mission',
        allowed: MANAGERS,
        setup: async (agent) => ({ templateName: await template(), missionId: (await mission(agent, { status: 'plan' })).missionId }),
        check: (r) => expect(r.count).toBe(2),
      },
      // recurring work
      {
        family: 'recurring',
        tool: 'create_recurring_task',
        allowed: MANAGERS,
        setup: async (agent) => ({ title: unique('nightly'), cronExpression: '0 2 * * *', project: 'web', assignedTo: agent }),
      },
      { family: 'recurring', tool: 'list_recurring_tasks', allowed: ALL, setup: async () => ({ project: 'web' }) },
      { family: 'recurring', tool: 'get_recurring_task', allowed: ALL, setup: async () => ({ recurringTaskId: await recurring('operator') }) },
      {
        family: 'recurring',
        tool: 'update_recurring_task',
        allowed: MANAGERS,
        setup: async (agent) => ({ recurringTaskId: await recurring(agent), title: 'retitled' }),
      },
      { family: 'recurring', tool: 'pause_recurring_task', allowed: MANAGERS, setup: async (agent) => ({ recurringTaskId: await recurring(agent) }) },
      { family: 'recurring', tool: 'resume_recurring_task', allowed: MANAGERS, setup: async (agent) => ({ recurringTaskId: await recurring(agent, true) }) },
      { family: 'recurring', tool: 'delete_recurring_task', allowed: MANAGERS, setup: async (agent) => ({ recurringTaskId: await recurring(agent) }) },
    ];

    beforeAll(async () => {
      fleet = await openFleetStore(dialect);
      // Every operation is set up fresh for each role, so one agent comes to hold many tasks of web at once: the
      // one-task-in-progress rule is off here (this matrix is about roles; test/task-rules.test.ts tests the rule).
      await fleet.store.sortie.configureProject(OPERATOR, { name: 'web', maxInProgress: 0 });
      for (const role of ALL) tokens[role] = await mintToken(fleet.store, ROLE_AGENT[role], role, ['web']);
      // The setup's other pilots hold tokens too: once tokens exist, everyone on a roster must (rosters.test.ts).
      await mintToken(fleet.store, 'operator', 'admin', ['web']);
      await mintToken(fleet.store, 'someone-else', 'pilot', ['web']);
      replica = await startReplica(fleet.url);
      for (const role of ALL) clients[role] = await connectWithToken(replica.url, tokens[role], ROLE_AGENT[role]);
    });

    afterAll(async () => {
      await Promise.all(Object.values(clients).map((c) => c.close().catch(() => {})));
      await replica?.stop();
      await fleet?.dispose();
    });

    it('covers every tool the server lists', async () => {
      const listed = (await clients.admin.client.listTools()).tools.map((t) => t.name).sort();
      expect(OPS.map((o) => o.tool).sort()).toEqual(listed);
    });

    for (const op of OPS) {
      it(`${op.family}: ${op.tool} — allowed for ${op.allowed.join(', ')}; refused with FORBIDDEN for the others, changing nothing`, async () => {
        for (const role of ALL) {
          const agent = ROLE_AGENT[role];
          const args = await op.setup(agent);
          const before = await lastEventSeq(fleet.store.database.kysely);
          if (op.allowed.includes(role)) {
            const result = await clients[role].call(op.tool, args).catch((error) => {
              throw new Error(`${role} ${agent} should be allowed ${op.tool}: ${error.message}`);
            });
            op.check?.(result, agent);
          } else {
            const refusal = await clients[role].refuse(op.tool, args);
            expect(refusal.code, `${role} calling ${op.tool}`).toBe('FORBIDDEN');
            expect(refusal.message).toContain(`holds a ${role} token`);
            expect(await lastEventSeq(fleet.store.database.kysely)).toBe(before);
          }
        }
      });
    }

    describe('identity comes from the token', () => {
      it('createdBy naming someone else is refused and creates nothing', async () => {
        const before = await lastEventSeq(fleet.store.database.kysely);
        const name = unique('spoof');
        const refusal = await clients.pilot.refuse('create_mission', { name, project: 'web', pilot: 'pia', createdBy: 'ada' });
        expect(refusal.code).toBe('FORBIDDEN');
        expect(refusal.message).toContain('acts as "pia", not "ada"');
        expect(await lastEventSeq(fleet.store.database.kysely)).toBe(before);
        const page = await s().listMissions(OPERATOR, { status: 'all', limit: 200 });
        expect(page.items.some((m) => m.name === name)).toBe(false);
      });

      it('callerOrchestrator naming someone else is refused on every kind of write', async () => {
        const taskId = (await mission('operator', { status: 'execute', agents: ['wes', 'pia'] })).taskIds[0];
        const before = await lastEventSeq(fleet.store.database.kysely);
        for (const [tool, args] of [
          ['checkout_task', { taskId, callerOrchestrator: 'pia' }],
          ['claim_next_task', { callerOrchestrator: 'ada' }],
          ['update_task', { taskId, status: 'in_progress', callerOrchestrator: 'pia' }],
        ] as const) {
          const refusal = await clients.worker.refuse(tool, args);
          expect(refusal.code, tool).toBe('FORBIDDEN');
          expect(refusal.message).toContain('acts as "wes"');
        }
        expect(await lastEventSeq(fleet.store.database.kysely)).toBe(before);
        expect((await s().getTask(OPERATOR, { taskId })).status).toBe('todo');
      });

      it('arguments that repeat the token agent are accepted, and writes are recorded as the token agent', async () => {
        const m = await clients.pilot.call('create_mission', {
          name: unique('mine'),
          project: 'web',
          pilot: 'pia',
          createdBy: 'pia',
          callerOrchestrator: 'pia',
        });
        expect(m.createdBy).toBe('pia');
        const events = await s().listEvents(OPERATOR, { missionId: m.missionId });
        expect(events.items.map((e) => e.actor)).toEqual(['pia']);
      });

      it('an X-Sortie-Agent header naming someone else is refused before any tool runs', async () => {
        await expect(connectWithToken(replica.url, tokens.worker, 'wes-as-ada', { headers: { 'X-Sortie-Agent': 'ada' } })).rejects.toThrow(
          /FORBIDDEN: this token acts as/,
        );
        const same = await connectWithToken(replica.url, tokens.worker, 'wes-as-wes', { headers: { 'X-Sortie-Agent': 'wes' } });
        expect((await same.call('my_work')).agent).toBe('wes');
        await same.close();
      });

      it('a pilot cannot act on another pilot’s mission even though its role may manage missions', async () => {
        const m = await mission('someone-else');
        const before = await lastEventSeq(fleet.store.database.kysely);
        const refusal = await clients.pilot.refuse('update_mission_status', { missionId: m.missionId, status: 'plan' });
        expect(refusal.code).toBe('FORBIDDEN');
        expect(await lastEventSeq(fleet.store.database.kysely)).toBe(before);
      });

      it('a worker named pilot of a mission still cannot manage it: the role caps ownership', async () => {
        const m = await mission('wes');
        const refusal = await clients.worker.refuse('update_mission', { missionId: m.missionId, description: 'x' });
        expect(refusal.code).toBe('FORBIDDEN');
        expect(refusal.message).toContain('holds a worker token');
      });
    });
  });
}
