// `sortie wait` as an agent runs it: a real process on a shared database, woken by a write from another process —
// a CLI command or a service on the same SQLite file, a `sortie serve` replica on the same PostgreSQL database —
// then what it printed, its exit code, and what the database says it claimed. Also --messages, --timeout and the
// signals. Every wait reports on stderr when it starts waiting (its first attempt found nothing), and each write is
// made only after that, so a test passes through the wake-up, never through the first attempt.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor, Task } from '../src/core/model.js';
import { PROCESS_TEST_TIMEOUT_MS } from './support/budget.js';
import { runSortie } from './support/cli.js';
import { SORTIE_BIN } from './support/clients.js';
import { type FleetStore, openFleetStore, startReplica } from './support/fleet.js';

const PIA: Actor = { agent: 'pia' };
const WAIT_TIMED_OUT = 124;

interface WaitProcess {
  child: ChildProcess;
  /** Resolves when the wait reports that it is waiting (its first attempt found nothing). */
  idle: Promise<void>;
  /** Resolves when the process has exited and its output is complete. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Kills it if it is still running (every path of every test ends with this). */
  stop(): Promise<void>;
}

function startWait(db: string, args: string[]): WaitProcess {
  const child = spawn(process.execPath, [SORTIE_BIN, 'wait', '--db', db, ...args], {
    env: { ...process.env, SORTIE_LOG_LEVEL: 'warn', SORTIE_DB: '', SORTIE_AGENT: '', SORTIE_INSTANCE: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  const done = once(child, 'close').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null, stdout, stderr }));
  const idle = new Promise<void>((resolve, reject) => {
    child.stderr?.on('data', (d) => {
      stderr += d;
      if (stderr.includes('waiting for')) resolve();
    });
    void done.then(() => reject(new Error(`sortie wait exited before waiting: ${stderr}${stdout}`)));
  });
  idle.catch(() => {});
  return {
    child,
    idle,
    done,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await done;
    },
  };
}

/**
 * An executing mission piloted by pia with `agents`, whose one task belongs to an outsider (so nothing is ready for
 * the agents yet), and every agent's inbox read: what comes next is what the test writes.
 */
async function executingMission(fleet: FleetStore, name: string, agents: string[]): Promise<string> {
  const s = fleet.store.sortie;
  fleet.store.clock.set(Date.now());
  const m = await s.createMission(PIA, { name, pilot: 'pia', agents: [...agents, 'outsider'], status: 'plan' });
  await s.createTask(PIA, { missionId: m.missionId, title: 'not yours', assignedTo: 'outsider' });
  await s.updateMissionStatus(PIA, { missionId: m.missionId, status: 'execute' });
  for (const agent of agents) {
    const inbox = await s.checkMessages({ agent }, {});
    if (inbox.lastSeq !== null) await s.ackMessages({ agent }, { upToSeq: inbox.lastSeq });
  }
  return m.missionId;
}

async function tasksOf(fleet: FleetStore, missionId: string): Promise<Task[]> {
  return (await fleet.store.sortie.listTasks({ agent: 'auditor' }, { missionId, limit: 200 })).items;
}

describe('sortie wait on a SQLite file shared by processes', { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  let fleet: FleetStore;

  beforeAll(async () => {
    fleet = await openFleetStore('sqlite');
  });
  afterAll(() => fleet?.dispose());

  it('woken by a CLI command in another process: claims the new task, prints it as JSON and exits 0', async () => {
    const missionId = await executingMission(fleet, 'wait-cli', ['ada']);
    const wait = startWait(fleet.url, ['--agent', 'ada', '--mission', missionId, '--json']);
    try {
      await wait.idle;
      const created = await runSortie(['--db', fleet.url, '--agent', 'pia', 'task', 'create', '--mission', missionId, '--title', 'parse the feed']);
      expect(created.code).toBe(0);
      const { code, stdout } = await wait.done;
      expect(code).toBe(0);
      const out = JSON.parse(stdout);
      expect(out).toMatchObject({ claimed: true, task: { title: 'parse the feed', status: 'in_progress', claim: { claimedBy: 'ada' } } });
      const stored = (await tasksOf(fleet, missionId)).find((t) => t.title === 'parse the feed');
      expect(stored).toMatchObject({ taskId: out.task.taskId, status: 'in_progress', claim: { claimedBy: 'ada', epoch: 1 } });
    } finally {
      await wait.stop();
    }
  });

  it('woken by a service on the same file assigning it a task: prints the claim and the next step', async () => {
    const missionId = await executingMission(fleet, 'wait-service', ['ben']);
    const wait = startWait(fleet.url, ['--agent', 'ben', '--lease-minutes', '45']);
    try {
      await wait.idle;
      fleet.store.clock.set(Date.now());
      const task = await fleet.store.sortie.createTask(PIA, { missionId, title: 'write the client', assignedTo: 'ben' });
      const { code, stdout } = await wait.done;
      expect(code).toBe(0);
      expect(stdout).toContain(`claimed ${task.key} "write the client" (mission ${missionId}, project default), lease until `);
      expect(stdout).toContain(`sortie task complete ${task.key} --mission ${missionId} --note`);
      const stored = await fleet.store.sortie.getTask({ agent: 'auditor' }, { taskId: task.taskId });
      expect(stored).toMatchObject({ status: 'in_progress', claim: { claimedBy: 'ben', claimedByInstance: null } });
      const lease = Date.parse(stored.claim?.leaseExpiresAt ?? '') - Date.parse(stored.startedAt ?? '');
      expect(lease).toBe(45 * 60_000);
    } finally {
      await wait.stop();
    }
  });

  it('--messages: woken by send_message, prints the message and leaves it unread; nothing is claimed', async () => {
    const missionId = await executingMission(fleet, 'wait-messages', ['cleo']);
    const wait = startWait(fleet.url, ['--agent', 'cleo', '--messages', '--json']);
    try {
      await wait.idle;
      const sent = await fleet.store.sortie.sendMessage(PIA, { to: 'cleo', text: 'staging is back up', missionId });
      const { code, stdout } = await wait.done;
      expect(code).toBe(0);
      const out = JSON.parse(stdout);
      expect(out).toMatchObject({ claimed: false, unread: 1 });
      expect(out.messages).toEqual([expect.objectContaining({ id: sent.messageId, kind: 'message', from: 'pia', text: 'staging is back up' })]);
      expect(out.lastSeq).toBe(out.messages[0].seq);
      expect((await fleet.store.sortie.checkMessages({ agent: 'cleo' }, {})).unread).toBe(1);
      expect((await tasksOf(fleet, missionId)).filter((t) => t.claim)).toEqual([]);
    } finally {
      await wait.stop();
    }
  });

  it('--timeout 1 with nothing ready: exits 124 and claims nothing', async () => {
    const missionId = await executingMission(fleet, 'wait-timeout', ['dov']);
    const seq = await fleet.store.sortie.lastEventSeq();
    const wait = startWait(fleet.url, ['--agent', 'dov', '--timeout', '1', '--json']);
    try {
      const { code, stdout } = await wait.done;
      expect(code).toBe(WAIT_TIMED_OUT);
      expect(JSON.parse(stdout)).toEqual({ claimed: false, timedOut: true, timeoutSeconds: 1 });
      expect((await tasksOf(fleet, missionId)).map((t) => t.status)).toEqual(['todo']);
      expect((await fleet.store.sortie.listEvents({ agent: 'auditor' }, { since: seq })).items).toEqual([]);
    } finally {
      await wait.stop();
    }
  });

  it('SIGINT and SIGTERM end a wait with 130 and 143, nothing claimed', async () => {
    const missionId = await executingMission(fleet, 'wait-signals', ['eli', 'fay']);
    const waits = [startWait(fleet.url, ['--agent', 'eli']), startWait(fleet.url, ['--agent', 'fay'])];
    try {
      await Promise.all(waits.map((w) => w.idle));
      waits[0].child.kill('SIGINT');
      waits[1].child.kill('SIGTERM');
      const [int, term] = await Promise.all(waits.map((w) => w.done));
      expect([int.code, term.code]).toEqual([130, 143]);
      expect(int.stderr).toContain('SIGINT; nothing claimed');
      expect(term.stderr).toContain('SIGTERM; nothing claimed');
      // A task both could have claimed, created after they ended, is still there for the taking.
      fleet.store.clock.set(Date.now());
      await fleet.store.sortie.createTask(PIA, { missionId, title: 'after the signals' });
      const tasks = (await tasksOf(fleet, missionId)).map((t) => [t.title, t.status, t.claim]).sort();
      expect(tasks).toEqual([
        ['after the signals', 'todo', null],
        ['not yours', 'todo', null],
      ]);
    } finally {
      await Promise.all(waits.map((w) => w.stop()));
    }
  });

  it('a bad --timeout is refused before waiting', async () => {
    const result = await runSortie(['--db', fleet.url, '--agent', 'gus', 'wait', '--timeout', '-5']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('VALIDATION_FAILED: timeout: must be 0 to');
  });
});

describe.skipIf(!process.env.SORTIE_TEST_PG_URL)('sortie wait on PostgreSQL', { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  it('woken by a write through a `sortie serve` replica on the same database', async () => {
    const fleet = await openFleetStore('postgres');
    let replica: Awaited<ReturnType<typeof startReplica>> | undefined;
    let wait: WaitProcess | undefined;
    try {
      const missionId = await executingMission(fleet, 'wait-pg', ['ada']);
      replica = await startReplica(fleet.url);
      wait = startWait(fleet.url, ['--agent', 'ada', '--json']);
      await wait.idle;
      // pia creates the task over MCP on the replica: another process, its own pool; the wait hears its NOTIFY.
      const res = await fetch(`${replica.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-sortie-agent': 'pia' },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'create_task', arguments: { missionId, title: 'index the events' } },
        }),
      });
      expect(res.status).toBe(200);
      const created = (await res.json()).result.structuredContent;
      const { code, stdout } = await wait.done;
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ claimed: true, task: { taskId: created.taskId, title: 'index the events', claim: { claimedBy: 'ada' } } });
      const stored = await fleet.store.sortie.getTask({ agent: 'auditor' }, { taskId: created.taskId });
      expect(stored).toMatchObject({ status: 'in_progress', claim: { claimedBy: 'ada' } });
    } finally {
      await wait?.stop();
      await replica?.stop();
      await fleet.dispose();
    }
  });
});
