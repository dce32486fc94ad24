// SIGKILL one replica in the middle of a load of claims and completions. Every write it acknowledged must be in
// the database, nothing may be half-applied, and clients that retry on the other replica — starting from my_work,
// as the server's instructions say — must finish all the work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentClient } from './support/clients.js';
import { SHARED_DIALECTS } from './support/dialects.js';
import { connectWithToken, type FleetStore, mintToken, openFleetStore, type Replica, startReplica } from './support/fleet.js';

const WORKERS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];
const TASKS = 60;
const KILL_AFTER_COMPLETIONS = 18;

interface Ack {
  replica: 'A' | 'B';
  kind: 'claimed' | 'completed';
  taskId: string;
  epoch: number;
}

/** A refusal from a tool carries `.tool`; anything else is the transport failing (the replica died). */
function isRefusal(error: unknown): error is Error & { tool: { code: string } } {
  return typeof error === 'object' && error !== null && 'tool' in error;
}

for (const dialect of SHARED_DIALECTS) {
  describe(`SIGKILL of a replica under load (${dialect})`, () => {
    let fleet: FleetStore;
    let a: Replica;
    let b: Replica;
    let missionId = '';
    const tokens: string[] = [];

    beforeAll(async () => {
      fleet = await openFleetStore(dialect);
      for (const w of WORKERS) tokens.push(await mintToken(fleet.store, w, 'worker', ['web']));
      // The pilot holds a token too: once tokens exist, everyone on a roster must (rosters.test.ts).
      await mintToken(fleet.store, 'pia', 'pilot', ['web']);
      const s = fleet.store.sortie;
      const m = await s.createMission({ agent: 'pia' }, { name: 'under-fire', project: 'web', pilot: 'pia', agents: WORKERS, status: 'plan' });
      missionId = m.missionId;
      for (let i = 0; i < TASKS; i++) await s.createTask({ agent: 'pia' }, { title: `job ${i}`, missionId });
      await s.updateMissionStatus({ agent: 'pia' }, { missionId, status: 'execute' });
      [a, b] = await Promise.all([startReplica(fleet.url), startReplica(fleet.url)]);
    });

    afterAll(async () => {
      await a?.kill();
      await b?.stop();
      await fleet?.dispose();
    });

    it('loses no acknowledged write, half-applies nothing, and the survivors finish the work', async () => {
      const acks: Ack[] = [];
      let completed = 0;
      let completedOnA = 0;
      let killed: Promise<void> | null = null;
      let switched = 0;

      const run = async (index: number) => {
        const agent = WORKERS[index];
        let on: 'A' | 'B' = index < 4 ? 'A' : 'B';
        let client: AgentClient = await connectWithToken(on === 'A' ? a.url : b.url, tokens[index], agent);
        let recover = false;
        const moveToB = async () => {
          await client.close().catch(() => {});
          on = 'B';
          switched++;
          client = await connectWithToken(b.url, tokens[index], agent);
          recover = true;
        };
        const complete = async (taskId: string, epoch: number) => {
          try {
            await client.call('complete_task', { taskId, epoch, completionNote: `job finished by ${agent}; tests 4/4 pass` });
            acks.push({ replica: on, kind: 'completed', taskId, epoch });
            if (on === 'A') completedOnA++;
            // Mid-load: two thirds of the work is still to do, and replica A's four workers are all busy.
            if (++completed === KILL_AFTER_COMPLETIONS) killed = a.kill();
          } catch (error) {
            if (!isRefusal(error)) throw error;
            // A retry of a completion the dead replica committed but never acknowledged: done is done.
            const task = await client.call('get_task', { taskId });
            if (task.status !== 'done') throw error;
          }
        };
        for (let round = 0; round < 10 * TASKS; round++) {
          try {
            if (recover) {
              // Whatever the dead replica committed for us but could not tell us about: finish it.
              const work = await client.call('my_work');
              for (const t of work.claimed) await complete(t.taskId, t.epoch);
              recover = false;
            }
            const r = await client.call('claim_next_task', { missionId });
            if (!r.claimed) {
              const work = await client.call('my_work');
              if (work.claimed.length === 0) return;
              recover = true;
              continue;
            }
            acks.push({ replica: on, kind: 'claimed', taskId: r.task.taskId, epoch: r.task.claim.epoch });
            await complete(r.task.taskId, r.task.claim.epoch);
          } catch (error) {
            if (isRefusal(error) || on === 'B') throw error;
            await moveToB();
          }
        }
        throw new Error(`${agent} did not finish`);
      };

      await Promise.all(WORKERS.map((_, i) => run(i)));
      await killed;
      expect(a.child.signalCode).toBe('SIGKILL');
      expect(completedOnA).toBeGreaterThan(0);
      expect(switched).toBeGreaterThan(0);
      expect(acks.some((x) => x.replica === 'B' && x.kind === 'completed')).toBe(true);

      const db = fleet.store.database.kysely;
      // Every task done, each by exactly one completion with its evidence, no claim left behind.
      const tasks = await db.selectFrom('tasks').selectAll().where('mission_id', '=', missionId).execute();
      expect(tasks.length).toBe(TASKS);
      for (const t of tasks) {
        expect(t).toMatchObject({ status: 'done', claimed_by: null, lease_expires_at: null });
        expect(t.completed_at).not.toBeNull();
      }
      const events = await db.selectFrom('events').selectAll().where('mission_id', '=', missionId).orderBy('seq').execute();
      const byTask = (kind: string) => {
        const map = new Map<string, number[]>();
        for (const e of events.filter((x) => x.kind === kind))
          map.set(e.task_id as string, [...(map.get(e.task_id as string) ?? []), JSON.parse(e.details).epoch]);
        return map;
      };
      const completedEvents = byTask('task.completed');
      const claimedEvents = byTask('task.claimed');
      for (const t of tasks) {
        expect(completedEvents.get(t.id)?.length, `completions of ${t.key}`).toBe(1);
        // Every claim that committed left its event and bumped the epoch, in the same transaction.
        expect(claimedEvents.get(t.id)?.length, `claims of ${t.key}`).toBe(t.epoch);
        const evidence = await db.selectFrom('evidence').select('kind').where('task_id', '=', t.id).execute();
        expect(evidence.map((e) => e.kind)).toEqual(['test_ratio']);
      }
      // Every acknowledged write is there, whichever replica acknowledged it.
      for (const ack of acks) {
        if (ack.kind === 'claimed') expect(claimedEvents.get(ack.taskId), `acknowledged claim ${ack.taskId}@${ack.epoch}`).toContain(ack.epoch);
        else expect(completedEvents.get(ack.taskId), `acknowledged completion ${ack.taskId}`).toEqual([ack.epoch]);
      }
      // The event log has no hole and no extra row: each transaction wrote its events and its counter together.
      const seq = await db
        .selectFrom('events')
        .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('seq').as('max')])
        .executeTakeFirstOrThrow();
      const counter = await db.selectFrom('counters').select('value').where('name', '=', 'event_seq').executeTakeFirstOrThrow();
      expect(Number(seq.n)).toBe(Number(counter.value));
      expect(Number(seq.max)).toBe(Number(counter.value));
      // The mission moved to validate exactly once, when its last task closed.
      const moves = events.filter((e) => e.kind === 'mission.status_changed').map((e) => JSON.parse(e.details).to);
      expect(moves).toEqual(['execute', 'validate']);
      // The surviving replica still serves.
      expect((await fetch(`${b.url}/health`)).status).toBe(200);
    });
  });
}
