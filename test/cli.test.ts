// The built `sortie` CLI, as a person uses it: missions and tasks end to end on a temp database, the mission
// drawing of issue 2 §10, --json output, the event feed, migrations, and one-line errors with a non-zero exit.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROCESS_TEST_TIMEOUT_MS } from './support/budget.js';
import { type CliResult, runSortie } from './support/cli.js';
import { tempDir } from './support/sortie.js';

// Every test here is a sequence of real CLI processes (up to ~35): each gets a generous limit of its own.
describe('sortie CLI', { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  const db = join(tempDir(), 'cli.db');

  const sortie = (agent: string, ...args: string[]): Promise<CliResult> => runSortie(['--db', db, '--agent', agent, ...args]);

  /** A command that must succeed; returns stdout. */
  async function ok(agent: string, ...args: string[]): Promise<string> {
    const r = await sortie(agent, ...args);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r.stdout;
  }

  // biome-ignore lint/suspicious/noExplicitAny: --json output is read field by field
  async function json(agent: string, ...args: string[]): Promise<any> {
    return JSON.parse(await ok(agent, '--json', ...args));
  }

  /** A command that must fail with one line "error: CODE: …" on stderr and a non-zero exit. */
  async function fails(code: string, agent: string, ...args: string[]): Promise<string> {
    const r = await sortie(agent, ...args);
    expect(r.code, `${args.join(' ')} should fail`).not.toBe(0);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^error: ${code}: `));
    return lines[0];
  }

  beforeAll(async () => {
    const first = await json('pia', 'db', 'migrate');
    expect(first.applied).toContain('0001_init');
    expect(first.migrations.every((m: { appliedAt: string | null }) => m.appliedAt)).toBe(true);
  });

  it('db migrate is idempotent', async () => {
    expect(await ok('pia', 'db', 'migrate')).toContain('up to date');
    expect((await json('pia', 'db', 'migrate')).applied).toEqual([]);
  });

  it('creates, draws, works and completes the doc-completion mission', async () => {
    const created = await json('pia', 'mission', 'create', '--name', 'doc-completion', '--agents', 'alice,bob', '--deliverable', 'docs:pr|file');
    expect(created).toMatchObject({ name: 'doc-completion', pilot: 'pia', status: 'brainstorm', agents: ['pia', 'alice', 'bob'] });
    expect(created.deliverables).toEqual([{ name: 'docs', acceptedKinds: ['pr', 'file'] }]);
    const titles = ['audit-existing-docs', 'write-new-pages', 'review', 'publish-and-announce'];
    for (const [i, title] of titles.entries()) {
      const task = await json('pia', 'task', 'create', '--mission', 'doc-completion', '--title', title, ...(i ? ['--depends-on', `T${i - 1}`] : []));
      expect(task).toMatchObject({ key: `T${i}`, title, status: 'todo' });
    }
    expect(await ok('pia', 'mission', 'status', 'doc-completion', 'plan')).toContain('[plan, 0%]');
    await ok('pia', 'mission', 'status', 'doc-completion', 'execute');

    const claimed = await json('alice', 'task', 'claim', 'T0', '--mission', 'doc-completion');
    expect(claimed).toMatchObject({ key: 'T0', status: 'in_progress', claim: { claimedBy: 'alice', epoch: 1 } });
    const done = await ok('alice', 'task', 'complete', 'T0', '--mission', 'doc-completion', '--note', 'Audited 14 pages, see docs/audit.md');
    expect(done).toContain('T0 audit-existing-docs  [done]');
    expect(done).toContain('evidence file docs/audit.md [unverified]');
    const next = await json('bob', 'task', 'claim', '--next', '--mission', 'doc-completion');
    expect(next).toMatchObject({ key: 'T1', claim: { claimedBy: 'bob' } });
    await ok('pia', 'mission', 'progress', 'doc-completion', '50', '--note', 'halfway');

    const drawing = await ok('pia', 'mission', 'show', 'doc-completion');
    const lines = drawing.split('\n');
    expect(lines[0]).toBe('Mission: doc-completion  [execute, 50%]');
    expect(lines[1]).toMatch(/^ {2}T0 {2}audit-existing-docs +\[done\]$/);
    expect(lines[2]).toMatch(/^ {2}T1 {2}write-new-pages +\[in_progress\] +dependsOn: \[T0\]/);
    expect(lines[3]).toMatch(/^ {2}T2 {2}review +\[todo\] +dependsOn: \[T1\]$/);
    expect(lines[4]).toMatch(/^ {2}T3 {2}publish-and-announce +\[todo\] +dependsOn: \[T2\]$/);
    // The columns line up, as in the drawing.
    expect(new Set(lines.slice(1, 5).map((l) => l.indexOf('[')))).toHaveProperty('size', 1);
    expect(drawing).toContain('computed 25% (1/4 done)');
    expect(drawing).toContain('deliverable docs (pr|file): no evidence yet');

    const blocked = await ok('bob', 'task', 'block', 'T1', '--mission', 'doc-completion', '--reason', 'waiting for screenshots');
    expect(blocked).toContain('[blocked]');
    expect(blocked).toContain('blocked: waiting for screenshots');
    await ok('bob', 'task', 'claim', 'T1', '--mission', 'doc-completion');
    await ok('bob', 'task', 'complete', 'T1', '--mission', 'doc-completion', '--note', 'Wrote 5 pages', '--evidence', 'pr:#12');
    for (const [agent, key] of [
      ['alice', 'T2'],
      ['bob', 'T3'],
    ]) {
      await ok(agent, 'task', 'claim', '--next', '--mission', 'doc-completion');
      await ok(agent, 'task', 'complete', key, '--mission', 'doc-completion', '--note', `${key}: 3/3 checks green`);
    }
    const validating = await json('pia', 'mission', 'show', 'doc-completion');
    expect(validating).toMatchObject({ status: 'validate', computedProgress: 100 });
    await fails('EVIDENCE_REQUIRED', 'pia', 'mission', 'status', 'doc-completion', 'complete');
    const withEvidence = await ok('pia', 'mission', 'evidence', 'doc-completion', '--deliverable', 'docs', '--evidence', 'pr:#12');
    expect(withEvidence).toContain('deliverable docs (pr|file): pr #12 [unverified]');
    expect(await ok('pia', 'mission', 'status', 'doc-completion', 'complete')).toContain('Mission: doc-completion  [complete, 100%]');
  });

  it('lists missions and tasks, as a table or as JSON', async () => {
    await ok('pia', 'mission', 'create', '--name', 'listing', '--project', 'cli-list');
    const table = await ok('pia', 'mission', 'list', '--project', 'cli-list');
    expect(table.split('\n')[0]).toMatch(/^ID +NAME +PROJECT +PILOT +STATUS +PROGRESS +TASKS$/);
    expect(table).toMatch(/listing +cli-list +pia +brainstorm/);
    const page = await json('pia', 'mission', 'list', '--status', 'all');
    expect(page.items.map((m: { name: string }) => m.name)).toEqual(expect.arrayContaining(['listing', 'doc-completion']));
    expect(page).toHaveProperty('nextCursor');
    const tasks = await json('pia', 'task', 'list', '--mission', 'doc-completion');
    expect(tasks.items.map((t: { key: string }) => t.key)).toEqual(['T0', 'T1', 'T2', 'T3']);
    expect(await ok('pia', 'task', 'list', '--mission', 'doc-completion', '--status', 'done')).toMatch(/^KEY +ID +STATUS/);
    const shown = await json('pia', 'task', 'show', 'T1', '--mission', 'doc-completion');
    expect(shown.evidence.map((e: { kind: string; value: string }) => `${e.kind}:${e.value}`)).toContain('pr:#12');
  });

  it('shows a completion without evidence with its reason, in the task and in the mission drawing', async () => {
    await ok('pia', 'mission', 'create', '--name', 'waived');
    await ok('pia', 'task', 'create', '--mission', 'waived', '--title', 'decide-the-format');
    await ok('pia', 'mission', 'status', 'waived', 'plan');
    await ok('pia', 'mission', 'status', 'waived', 'execute');
    await ok('pia', 'task', 'claim', 'T0', '--mission', 'waived');
    const task = await ok(
      'pia',
      'task',
      'complete',
      'T0',
      '--mission',
      'waived',
      '--note',
      'We chose markdown',
      '--allow-no-evidence',
      'a decision, nothing to cite',
    );
    expect(task).toContain('completed WITHOUT evidence: a decision, nothing to cite');
    const drawing = await ok('pia', 'mission', 'show', 'waived');
    expect(drawing.split('\n')[1]).toMatch(/^ {2}T0 {2}decide-the-format +\[done\] +\(no evidence: a decision, nothing to cite\)$/);
  });

  it('prints the event feed as lines or JSON lines', async () => {
    const lines = (await ok('pia', 'events', '--limit', '500')).trim().split('\n');
    expect(lines[0]).toMatch(/^1\t\S+\tpia\tmission\.created\tmission \w+\t\{/);
    const events = (await ok('pia', '--json', 'events', '--since', '3', '--limit', '500'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events[0].seq).toBe(4);
    expect(events.map((e: { seq: number }) => e.seq)).toEqual(events.map((_: unknown, i: number) => i + 4));
    expect(events.map((e: { kind: string }) => e.kind)).toEqual(
      expect.arrayContaining(['task.claimed', 'task.blocked', 'task.completed', 'mission.evidence_added']),
    );
  });

  it('project set --url accepts only an http(s) URL', async () => {
    expect(await fails('VALIDATION_FAILED', 'pia', 'project', 'set', 'cli-url', '--url', 'javascript:alert(document.cookie)')).toMatch(
      /^error: VALIDATION_FAILED: url: "javascript:alert\(document\.cookie\)" is not an http\(s\) URL/,
    );
    expect((await json('pia', 'project', 'list')).map((p: { name: string }) => p.name)).not.toContain('cli-url');
    expect(await json('pia', 'project', 'set', 'cli-url', '--url', 'https://github.com/acme/cli')).toMatchObject({ repoUrl: 'https://github.com/acme/cli' });
  });

  it('one task in progress per project: a second claim is TASK_START_BLOCKED, task pause frees the slot, project set changes the limit only', async () => {
    await ok('pia', 'mission', 'create', '--name', 'cli-limit', '--project', 'cli-limit', '--agents', 'carol', '--status', 'plan');
    for (const title of ['first', 'second']) await ok('pia', 'task', 'create', '--mission', 'cli-limit', '--title', title);
    await ok('pia', 'mission', 'status', 'cli-limit', 'execute');
    await ok('carol', 'task', 'claim', 'T0', '--mission', 'cli-limit');
    expect(await fails('TASK_START_BLOCKED', 'carol', 'task', 'claim', 'T1', '--mission', 'cli-limit')).toContain('T0 "first"');
    await fails('VALIDATION_FAILED', 'carol', 'task', 'pause', 'T0', '--mission', 'cli-limit', '--reason', ' ');
    const paused = await json('carol', 'task', 'pause', 'T0', '--mission', 'cli-limit', '--reason', 'second one first');
    expect(paused).toMatchObject({ status: 'todo', claim: null, pausedReason: 'second one first' });
    expect(await ok('carol', 'task', 'show', 'T0', '--mission', 'cli-limit')).toContain('second one first');
    await ok('carol', 'task', 'claim', 'T1', '--mission', 'cli-limit');
    // The limit is a project setting; setting it keeps the repository URL, and off removes it.
    await ok('pia', 'project', 'set', 'cli-limit', '--url', 'https://github.com/acme/limit');
    expect(await json('pia', 'project', 'set', 'cli-limit', '--max-in-progress', 'off')).toMatchObject({
      repoUrl: 'https://github.com/acme/limit',
      maxInProgress: 0,
    });
    expect(await ok('pia', 'project', 'list')).toMatch(/cli-limit +— +https:\/\/github\.com\/acme\/limit +no limit/);
    await ok('carol', 'task', 'claim', 'T0', '--mission', 'cli-limit');
    expect(await fails('VALIDATION_FAILED', 'pia', 'project', 'set', 'cli-limit', '--max-in-progress', 'lots')).toContain('max-in-progress');
  });

  it('answers bad input with one line "error: CODE: …" on stderr and a non-zero exit', async () => {
    await ok('pia', 'mission', 'create', '--name', 'errors', '--agents', 'alice');
    await ok('pia', 'task', 'create', '--mission', 'errors', '--title', 'first');
    await ok('pia', 'task', 'create', '--mission', 'errors', '--title', 'second', '--depends-on', 'T0');
    expect(await fails('VALIDATION_FAILED', 'pia', 'mission', 'progress', 'errors', '101')).toContain('progress');
    expect(await fails('VALIDATION_FAILED', 'pia', 'mission', 'progress', 'errors', 'half')).toContain('progress');
    expect(await fails('VALIDATION_FAILED', 'pia', 'mission', 'status', 'errors', 'done')).toContain('status');
    await fails('INVALID_TRANSITION', 'pia', 'mission', 'status', 'errors', 'execute');
    await fails('NOT_FOUND', 'pia', 'mission', 'show', 'no-such-mission');
    await fails('NOT_FOUND', 'pia', 'task', 'show', 'T9', '--mission', 'errors');
    await fails('MISSION_NOT_ACTIVE', 'alice', 'task', 'claim', 'T0', '--mission', 'errors');
    await ok('pia', 'mission', 'status', 'errors', 'plan');
    await ok('pia', 'mission', 'status', 'errors', 'execute');
    expect(await fails('DEPENDENCY_NOT_DONE', 'alice', 'task', 'claim', 'T1', '--mission', 'errors')).toContain('T0');
    await fails('FORBIDDEN', 'mallory', 'task', 'claim', 'T0', '--mission', 'errors');
    await ok('alice', 'task', 'claim', 'T0', '--mission', 'errors');
    expect(await fails('ALREADY_CLAIMED', 'pia', 'task', 'claim', 'T0', '--mission', 'errors')).toContain('alice');
    await fails('EVIDENCE_REQUIRED', 'alice', 'task', 'complete', 'T0', '--mission', 'errors', '--note', 'done, all good');
    expect(await fails('VALIDATION_FAILED', 'alice', 'task', 'complete', 'T0', '--mission', 'errors', '--note', 'x', '--evidence', 'nonsense')).toContain(
      'evidence[0]',
    );
    expect(
      await fails('VALIDATION_FAILED', 'alice', 'task', 'complete', 'T0', '--mission', 'errors', '--note', 'x', '--evidence', 'test_ratio:20/18'),
    ).toContain('20/18');
    expect(await fails('VALIDATION_FAILED', 'pia', 'mission', 'create')).toContain('--name');
    expect(await fails('VALIDATION_FAILED', 'pia', 'mission', 'list', '--limit', 'many')).toContain('limit');
    expect(await fails('VALIDATION_FAILED', 'pia', 'bogus')).toContain('bogus');
    expect(await fails('VALIDATION_FAILED', 'not a name', 'mission', 'list')).toContain('agent');
    // Nothing above changed the claimed task.
    expect(await json('pia', 'task', 'show', 'T0', '--mission', 'errors')).toMatchObject({
      status: 'in_progress',
      claim: { claimedBy: 'alice', epoch: 1 },
      evidence: [],
    });
  });
});
