// Two `sortie serve` processes on one database, driven at once by many token-holding clients spread over both:
// claim races (exactly one winner per task, none lost, none doubled), completion racing cancellation, concurrent
// task creation in one mission and concurrent template instantiation, and the change feed across replicas.
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentClient } from './support/clients.js';
import { SHARED_DIALECTS } from './support/dialects.js';
import { connectWithToken, type FleetStore, inParallel, mintToken, OPERATOR, openFleetStore, type Replica, startReplica } from './support/fleet.js';

const WORKERS = ['w0', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7'];

for (const dialect of SHARED_DIALECTS) {
  describe(`two replicas on one ${dialect} database`, () => {
    let fleet: FleetStore;
    let a: Replica;
    let b: Replica;
    const workers: AgentClient[] = [];
    let pilotOnA: AgentClient;
    let pilotOnB: AgentClient;
    let n = 0;

    const s = () => fleet.store.sortie;
    const db = () => fleet.store.database.kysely;

    async function executingMission(tasks: number, agents = WORKERS) {
      fleet.store.clock.set(Date.now());
      const m = await s().createMission({ agent: 'pia' }, { name: `race-${++n}`, project: 'web', pilot: 'pia', agents, status: 'plan' });
      const ids: string[] = [];
      for (let i = 0; i < tasks; i++) ids.push((await s().createTask({ agent: 'pia' }, { title: `t${i}`, missionId: m.missionId })).taskId);
      await s().updateMissionStatus({ agent: 'pia' }, { missionId: m.missionId, status: 'execute' });
      return { missionId: m.missionId, ids };
    }

    async function eventsOf(kind: string, taskIds: readonly string[]) {
      return db()
        .selectFrom('events')
        .select(['task_id', 'actor', 'details'])
        .where('kind', '=', kind)
        .where('task_id', 'in', [...taskIds])
        .execute();
    }

    beforeAll(async () => {
      fleet = await openFleetStore(dialect);
      // These races have each worker hold many tasks of web at once (exclusion per task is what they test), so the
      // one-task-in-progress rule is off in web; test/task-rules.test.ts races it on PostgreSQL.
      await s().configureProject(OPERATOR, { name: 'web', maxInProgress: 0 });
      const pilotToken = await mintToken(fleet.store, 'pia', 'pilot', ['web']);
      const workerTokens = await Promise.all(WORKERS.map((w) => mintToken(fleet.store, w, 'worker', ['web'])));
      [a, b] = await Promise.all([startReplica(fleet.url), startReplica(fleet.url, { sessions: true })]);
      for (const [i, w] of WORKERS.entries()) workers.push(await connectWithToken(i % 2 === 0 ? a.url : b.url, workerTokens[i], w));
      pilotOnA = await connectWithToken(a.url, pilotToken, 'pia-a');
      pilotOnB = await connectWithToken(b.url, pilotToken, 'pia-b');
    });

    afterAll(async () => {
      await Promise.all([...workers, pilotOnA, pilotOnB].map((c) => c?.close().catch(() => {})));
      await Promise.all([a?.stop(), b?.stop()]);
      await fleet?.dispose();
    });

    it('claim_next_task from 8 clients across both replicas: every task claimed exactly once, none lost', async () => {
      const { missionId, ids } = await executingMission(48);
      const won = await Promise.all(
        workers.map(async (client) => {
          const mine: string[] = [];
          for (;;) {
            const r = await client.call('claim_next_task', { missionId });
            if (!r.claimed) return mine;
            expect(r.task.claim.claimedBy).toBe(client.agent);
            mine.push(r.task.taskId);
          }
        }),
      );
      const all = won.flat();
      expect(all.length).toBe(ids.length);
      expect(new Set(all)).toEqual(new Set(ids));
      const rows = await db().selectFrom('tasks').select(['id', 'status', 'claimed_by', 'epoch']).where('mission_id', '=', missionId).execute();
      for (const row of rows) {
        const winner = workers[won.findIndex((list) => list.includes(row.id))].agent;
        expect(row).toMatchObject({ status: 'in_progress', claimed_by: winner, epoch: 1 });
      }
      const claims = await eventsOf('task.claimed', ids);
      expect(claims.length).toBe(ids.length);
      expect(new Set(claims.map((e) => e.task_id)).size).toBe(ids.length);
    });

    it('checkout_task of one task by 8 clients at once: exactly one wins, the others get ALREADY_CLAIMED', async () => {
      const { ids } = await executingMission(12);
      for (const taskId of ids) {
        const outcomes = await Promise.all(
          workers.map(async (client) => {
            const result = await client.raw('checkout_task', { taskId });
            return { agent: client.agent, ok: !result.isError, error: result.isError ? JSON.parse((result.content[0] as { text: string }).text).error : null };
          }),
        );
        const winners = outcomes.filter((o) => o.ok);
        expect(winners.length, `task ${taskId}`).toBe(1);
        expect(outcomes.filter((o) => !o.ok).every((o) => o.error.code === 'ALREADY_CLAIMED')).toBe(true);
        const row = await db().selectFrom('tasks').select(['claimed_by', 'epoch']).where('id', '=', taskId).executeTakeFirstOrThrow();
        expect(row).toEqual({ claimed_by: winners[0].agent, epoch: 1 });
      }
      expect((await eventsOf('task.claimed', ids)).length).toBe(ids.length);
    });

    it('completion racing cancellation on the other replica: exactly one of them happens per task', async () => {
      const { missionId, ids } = await executingMission(16, ['w0']);
      for (const taskId of ids) await workers[0].call('checkout_task', { taskId }); // w0 is on replica A
      const results = await Promise.all(
        ids.map(async (taskId) => {
          const [complete, cancel] = await Promise.all([
            workers[0].raw('complete_task', { taskId, completionNote: 'shipped; tests 12/12 pass' }),
            pilotOnB.raw('cancel_task', { taskId, cancelReason: 'superseded' }),
          ]);
          return { taskId, completed: !complete.isError, cancelled: !cancel.isError, complete, cancel };
        }),
      );
      for (const r of results) {
        expect(r.completed !== r.cancelled, `task ${r.taskId}: exactly one must win`).toBe(true);
        const loser = r.completed ? r.cancel : r.complete;
        expect(JSON.parse((loser.content[0] as { text: string }).text).error.code).toMatch(/^(INVALID_TRANSITION|LEASE_LOST)$/);
        const row = await db().selectFrom('tasks').select(['status', 'claimed_by']).where('id', '=', r.taskId).executeTakeFirstOrThrow();
        expect(row).toEqual({ status: r.completed ? 'done' : 'cancelled', claimed_by: null });
        const evidence = await db().selectFrom('evidence').select('id').where('task_id', '=', r.taskId).execute();
        expect(evidence.length).toBe(r.completed ? 1 : 0);
      }
      const closing = [...(await eventsOf('task.completed', ids)), ...(await eventsOf('task.cancelled', ids))];
      expect(closing.length).toBe(ids.length);
      expect(new Set(closing.map((e) => e.task_id)).size).toBe(ids.length);
      // The last closer, whichever replica it ran on, moved the mission to validate, once.
      const moves = await db()
        .selectFrom('events')
        .select('details')
        .where('mission_id', '=', missionId)
        .where('kind', '=', 'mission.status_changed')
        .orderBy('seq')
        .execute();
      expect(moves.map((m) => JSON.parse(m.details).to)).toEqual(['execute', 'validate']);
    });

    it('tasks created concurrently in one mission through both replicas get unique, gapless keys', async () => {
      fleet.store.clock.set(Date.now());
      const m = await s().createMission({ agent: 'pia' }, { name: `keys-${++n}`, project: 'web', pilot: 'pia' });
      const titles = Array.from({ length: 40 }, (_, i) => `step ${i}`);
      const created = await inParallel(titles, 16, (title, i) => (i % 2 === 0 ? pilotOnA : pilotOnB).call('create_task', { title, missionId: m.missionId }));
      const keys = created.map((t) => t.key).sort((x: string, y: string) => Number(x.slice(1)) - Number(y.slice(1)));
      expect(keys).toEqual(titles.map((_, i) => `T${i}`));
      const row = await db().selectFrom('missions').select('next_task_seq').where('id', '=', m.missionId).executeTakeFirstOrThrow();
      expect(row.next_task_seq).toBe(40);
    });

    it('template instantiations into one mission, at once through both replicas, each land whole with their own keys', async () => {
      fleet.store.clock.set(Date.now());
      // Saved into web, the mission's project: templates are per project.
      await s().updateTemplate(OPERATOR, {
        name: `fanout-${++n}`,
        steps: [
          { key: 'plan', title: 'plan' },
          { key: 'left', title: 'left', dependsOn: ['plan'] },
          { key: 'right', title: 'right', dependsOn: ['plan'] },
          { key: 'join', title: 'join', dependsOn: ['left', 'right'] },
        ],
        project: 'web',
      });
      const templateName = `fanout-${n}`;
      const m = await s().createMission({ agent: 'pia' }, { name: `tpl-${++n}`, project: 'web', pilot: 'pia', status: 'plan' });
      const runs = await inParallel(
        Array.from({ length: 8 }, (_, i) => i),
        8,
        (i) =>
          (i % 2 === 0 ? pilotOnA : pilotOnB).call('instantiate_template_into_mission', { templateName, missionId: m.missionId, titlePrefix: `run ${i}: ` }),
      );
      expect(runs.every((r) => r.count === 4)).toBe(true);
      const detail = await s().getMission(OPERATOR, { missionId: m.missionId });
      expect(detail.tasks.length).toBe(32);
      expect(new Set(detail.tasks.map((t) => t.key)).size).toBe(32);
      // Each run's dependencies point inside the same run: no instantiation saw another's half-written state.
      for (let i = 0; i < 8; i++) {
        const mine = detail.tasks.filter((t) => t.title.startsWith(`run ${i}: `));
        expect(mine.length).toBe(4);
        const ids = new Set(mine.map((t) => t.taskId));
        const join = mine.find((t) => t.title.endsWith('join'));
        expect(join?.dependsOn.length).toBe(2);
        for (const t of mine) for (const d of t.dependsOn) expect(ids.has(d)).toBe(true);
      }
    });

    it('missions created concurrently from many clients are each complete and visible from both replicas', async () => {
      const names = Array.from({ length: 24 }, (_, i) => `concurrent-${n}-${i}`);
      n++;
      await inParallel(names, 12, (name, i) =>
        (i % 2 === 0 ? pilotOnA : pilotOnB).call('create_mission', { name, project: 'web', pilot: 'pia', agents: ['w0'] }),
      );
      for (const client of [pilotOnA, pilotOnB]) {
        const page = await client.call('list_missions', { status: 'all', limit: 200 });
        const seen = new Set(page.items.map((m: { name: string }) => m.name));
        for (const name of names) expect(seen.has(name)).toBe(true);
      }
    });

    it('a write through one replica reaches a subscriber of the other (change feed across processes)', async () => {
      fleet.store.clock.set(Date.now());
      const m = await s().createMission({ agent: 'pia' }, { name: `feed-${++n}`, project: 'web', pilot: 'pia' });
      const uri = `sortie://missions/${m.missionId}`;
      const got: string[] = [];
      pilotOnB.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (note) => {
        got.push(note.params.uri);
      });
      await pilotOnB.client.subscribeResource({ uri });
      const deadline = Date.now() + 20_000;
      for (let i = 0; !got.includes(uri) && Date.now() < deadline; i++) {
        if (i % 20 === 0) await pilotOnA.call('update_mission', { missionId: m.missionId, description: `edit ${i}` });
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(got).toContain(uri);
    });
  });
}
