// The multi-process race of issue 2 §11: 8 separate OS processes on one SQLite file claim the same tasks at once.
// Exactly one wins each task, the others get ALREADY_CLAIMED, no lock error ever reaches a caller, nothing is lost.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lastEventSeq } from '../src/db/events-repo.js';
import { REPO } from './support/clients.js';
import { openTestSortie, type TestSortie, tempDir } from './support/sortie.js';

const WORKER = join(REPO, 'test', 'support', 'race-worker.mjs');
const PROCESSES = 8;
const PIA = { agent: 'pia' };

interface WorkerReport {
  agent: string;
  outcomes: Array<{ key: string | null; taskId?: string; won?: boolean; completed?: boolean; code: string | null; claimError?: string }>;
  unexpected: string[];
  stderr: string;
}

/** Starts every worker, waits until all have opened the database, says "go" to all at once, collects reports. */
async function race(dbPath: string, argsFor: (agent: string, i: number) => string[]): Promise<WorkerReport[]> {
  const agents = Array.from({ length: PROCESSES }, (_, i) => `racer${i}`);
  const children: ChildProcess[] = agents.map((agent, i) =>
    spawn(process.execPath, [WORKER, dbPath, agent, ...argsFor(agent, i)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, SORTIE_LOG_LEVEL: 'silent' },
    }),
  );
  const stdout = children.map(() => '');
  const stderr = children.map(() => '');
  const exited = children.map((child) => once(child, 'exit').then(([code]) => code as number));
  // Every process opens (and migrates) the database and says "ready"; only then do all hear "go" together, so all
  // eight are contending from the first claim. (Which process wins how many is up to SQLite's busy handler — a
  // waiting writer sleeps while the holder may take the lock again — so the test asserts outcomes, not spread.)
  const ready = children.map(
    (child, i) =>
      new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (d) => {
          stdout[i] += d;
          if (stdout[i].startsWith('ready\n')) resolve();
        });
        child.stderr?.on('data', (d) => {
          stderr[i] += d;
        });
        void exited[i].then((code) => reject(new Error(`worker ${i} exited (${code}) before it was ready: ${stderr[i]}`)));
      }),
  );
  await Promise.all(ready);
  for (const child of children) child.stdin?.end('go\n');
  const codes = await Promise.all(exited);
  return children.map((_, i) => {
    expect(codes[i], `worker ${i} exited with ${codes[i]}: ${stderr[i]}`).toBe(0);
    return { ...(JSON.parse(stdout[i].slice('ready\n'.length).trim()) as Omit<WorkerReport, 'stderr'>), stderr: stderr[i] };
  });
}

function expectNoLockErrors(reports: WorkerReport[]): void {
  for (const r of reports) {
    expect(r.unexpected, r.agent).toEqual([]);
    expect(r.stderr).not.toMatch(/locked|SQLITE_BUSY/i);
  }
}

describe('8 processes on one SQLite file', () => {
  let t: TestSortie;
  let dbPath: string;

  beforeEach(async () => {
    dbPath = join(tempDir(), 'race.db');
    t = await openTestSortie(dbPath);
  });
  afterEach(async () => {
    await t.close();
  });

  async function executingMission(tasks: number, agents: string[]): Promise<{ missionId: string; ids: string[] }> {
    const m = await t.sortie.createMission(PIA, { name: 'race', pilot: 'pia', agents });
    const ids: string[] = [];
    for (let i = 0; i < tasks; i++) ids.push((await t.sortie.createTask(PIA, { title: `task ${i}`, missionId: m.missionId })).taskId);
    await t.sortie.updateMissionStatus(PIA, { missionId: m.missionId, status: 'plan' });
    await t.sortie.updateMissionStatus(PIA, { missionId: m.missionId, status: 'execute' });
    return { missionId: m.missionId, ids };
  }

  it('checkout of the same tasks: exactly one winner per task, ALREADY_CLAIMED for the rest, no lock error, nothing lost', async () => {
    const agents = Array.from({ length: PROCESSES }, (_, i) => `racer${i}`);
    const { missionId, ids } = await executingMission(12, agents);
    // Each racer tries every task and keeps what it wins: this race is about exclusion per task, so the limit of one
    // task in progress per agent instance is off here (the claim_next_task race below runs with it on).
    await t.sortie.configureProject(PIA, { name: 'default', maxInProgress: 0 });
    const keys = ids.map((_, i) => `T${i}`);
    const seqBefore = await lastEventSeq(t.database.kysely);
    // Each process walks the tasks from a different starting point, so every task is contended from the start.
    const reports = await race(dbPath, (_agent, i) => ['checkout', missionId, [...keys.slice(i), ...keys.slice(0, i)].join(',')]);
    expectNoLockErrors(reports);

    const winners = new Map<string, string[]>();
    for (const r of reports) {
      expect(r.outcomes).toHaveLength(keys.length);
      for (const o of r.outcomes) {
        if (o.won) winners.set(o.key as string, [...(winners.get(o.key as string) ?? []), r.agent]);
        else expect(o.code, `${r.agent} on ${o.key}`).toBe('ALREADY_CLAIMED');
      }
    }
    for (const key of keys) expect(winners.get(key), key).toHaveLength(1);

    // What is stored agrees with what the processes were told, and every write left its event.
    const page = await t.sortie.listTasks(PIA, { missionId, limit: 200 });
    for (const task of page.items) {
      expect(task.status).toBe('in_progress');
      expect(task.claim?.claimedBy).toBe(winners.get(task.key as string)?.[0]);
      expect(task.epoch).toBe(1);
    }
    const events = await t.sortie.listEvents(PIA, { since: seqBefore, limit: 500 });
    expect(events.items.map((e) => e.kind)).toEqual(keys.map(() => 'task.claimed'));
    expect(events.items.map((e) => e.seq)).toEqual(keys.map((_, i) => seqBefore + 1 + i));
    expect(await lastEventSeq(t.database.kysely)).toBe(seqBefore + keys.length);
  });

  it('claim_next_task from a pool: every task claimed and completed exactly once, no lock error, nothing lost', async () => {
    const agents = Array.from({ length: PROCESSES }, (_, i) => `racer${i}`);
    const { missionId, ids } = await executingMission(40, agents);
    const seqBefore = await lastEventSeq(t.database.kysely);
    const reports = await race(dbPath, () => ['next', missionId]);
    expectNoLockErrors(reports);

    const claimedBy = new Map<string, string[]>();
    for (const r of reports) {
      for (const o of r.outcomes) {
        expect(o.claimError, r.agent).toBeUndefined();
        expect(o.completed, `${r.agent} completing ${o.key}: ${o.code}`).toBe(true);
        claimedBy.set(o.taskId as string, [...(claimedBy.get(o.taskId as string) ?? []), r.agent]);
      }
    }
    expect([...claimedBy.keys()].sort()).toEqual([...ids].sort());
    for (const [taskId, who] of claimedBy) expect(who, taskId).toHaveLength(1);

    const mission = await t.sortie.getMission(PIA, { missionId });
    expect(mission.taskCounts).toMatchObject({ done: 40, total: 40 });
    expect(mission.status).toBe('validate');
    for (const task of mission.tasks) expect(task.completedAt).not.toBeNull();

    const events = (await t.sortie.listEvents(PIA, { since: seqBefore, limit: 500 })).items;
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => seqBefore + 1 + i));
    const count = (kind: string) => events.filter((e) => e.kind === kind).length;
    expect(count('task.claimed')).toBe(40);
    expect(count('task.completed')).toBe(40);
    expect(events.filter((e) => e.kind === 'mission.status_changed').map((e) => e.details)).toEqual([
      expect.objectContaining({ from: 'execute', to: 'validate', auto: true }),
    ]);
    expect(events).toHaveLength(81);
    // Each completion came from the process that claimed the task.
    for (const e of events.filter((x) => x.kind === 'task.completed')) expect(claimedBy.get(e.taskId as string)).toEqual([e.actor]);
  });
});
