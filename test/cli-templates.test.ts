// The built `sortie` binary: template list/show/apply/import/export, mission create --template, and recurring
// create/show/pause/resume/delete, in text and --json. Needs `npm run build` first.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_TIMEOUT_MS, PROCESS_TEST_TIMEOUT_MS } from './support/budget.js';
import { SORTIE_BIN } from './support/clients.js';
import { tempDir } from './support/sortie.js';

const run = promisify(execFile);

// Every test here is a sequence of real CLI processes: each gets a generous limit of its own.
describe('sortie template and recurring commands', { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  let dir: string;
  let db: string;

  const sortie = async (...args: string[]) => {
    const { stdout } = await run(process.execPath, [SORTIE_BIN, '--db', db, '--agent', 'alice', ...args], {
      env: { ...process.env, SORTIE_LOG_LEVEL: 'warn' },
      timeout: COMMAND_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    return stdout;
  };
  const json = async (...args: string[]) => JSON.parse(await sortie('--json', ...args));
  const fails = async (...args: string[]) => {
    try {
      await sortie(...args);
    } catch (error) {
      const e = error as { code: number; stderr: string };
      return { code: e.code, stderr: e.stderr };
    }
    throw new Error(`sortie ${args.join(' ')} should have failed`);
  };

  beforeAll(() => {
    dir = tempDir();
    db = join(dir, 'sortie.db');
  });

  it('lists the built-in templates', async () => {
    const text = await sortie('template', 'list');
    expect(text).toMatch(/^NAME\s+VERSION\s+STEPS\s+PLACEHOLDERS\s+DESCRIPTION/);
    expect(text).toMatch(/generic \*\s+1 \(built-in\)\s+4\s+goal/);
    expect(text).toMatch(/issue-resolution\s+1 \(built-in\)\s+7\s+issue/);
    expect((await json('template', 'list')).items.map((i: { name: string }) => i.name)).toEqual([
      'generic',
      'doc-completion',
      'issue-resolution',
      'new-feature',
      'repo-fix',
    ]);
  });

  it('draws a template: the step table and the dependency tree with its fan-out and fan-in', async () => {
    const chain = await sortie('template', 'show', 'issue-resolution');
    expect(chain).toContain('issue-resolution v1 (built-in)');
    expect(chain).toMatch(/T2\s+fix\s+any\s+commit\s+reproduce\s+Fix the cause of \{\{issue\}\}/);
    expect(chain).toMatch(/T5\s+merge\s+pilot\s+pr\s+review/);
    expect(chain).toContain('flow:\n  acknowledge\n  └── reproduce\n      └── fix\n          └── suite');
    const fan = await sortie('template', 'show', 'new-feature');
    expect(fan).toContain(
      [
        '  requirements',
        '  └── design',
        '      ├── backend',
        '      │   └── tests  (after backend + frontend)',
        '      │       └── review',
        '      │           └── release',
        '      └── frontend',
        '          └── tests  ↑ drawn above  (after backend + frontend)',
      ].join('\n'),
    );
    expect((await json('template', 'show', 'new-feature')).steps.find((s: { key: string }) => s.key === 'tests').dependsOn).toEqual(['backend', 'frontend']);
  });

  it('applies a template as a new mission, into an existing mission, and through mission create --template', async () => {
    const created = await sortie('template', 'apply', 'issue-resolution', '--name', 'Fix #9', '--agents', 'bob', '--context', 'issue=#9');
    expect(created).toMatch(/Mission: Fix #9 {2}\[brainstorm/);
    expect(created).toMatch(/T6\s+Verify #9 is gone after release\s+\[todo\]\s+dependsOn: \[T5\]\s+@alice/);
    expect(created).toContain('template: issue-resolution v1');

    const host = await json('mission', 'create', '--name', 'Host', '--agents', 'bob');
    const added = await json('template', 'apply', 'generic', '--mission', host.missionId, '--context', 'goal=a faster build', '--title-prefix', '[ci]');
    expect(added).toMatchObject({ count: 4, keys: ['T0', 'T1', 'T2', 'T3'] });
    expect(added.mission.tasks[0].title).toBe('[ci] Plan: a faster build');

    const viaMission = await json('mission', 'create', '--name', 'Docs', '--template', 'doc-completion', '--context', 'scope=the CLI');
    expect(viaMission).toMatchObject({ templateName: 'doc-completion', templateVersion: 1 });
    expect(viaMission.tasks).toHaveLength(4);

    const refused = await fails('template', 'apply', 'issue-resolution', '--name', 'No issue');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('VALIDATION_FAILED: context: missing value(s) for placeholder(s) {{issue}}');
  });

  it('exports a template as editable JSON and imports it back as a new version', async () => {
    const file = join(dir, 'repo-fix.json');
    await sortie('template', 'export', 'repo-fix', '--out', file);
    const body = JSON.parse(readFileSync(file, 'utf8'));
    expect(body).toMatchObject({ name: 'repo-fix', version: 1 });
    body.steps.push({ key: 'celebrate', title: 'Thank the maintainers' });
    writeFileSync(file, JSON.stringify(body));
    expect(await sortie('template', 'import', file)).toContain('saved repo-fix v2 (7 steps)');
    expect(await sortie('template', 'show', 'repo-fix')).toMatch(/T6\s+celebrate\s+pilot\s+any evidence\s+answer-review/);
    const stdout = JSON.parse(await sortie('template', 'export', 'repo-fix@1'));
    expect(stdout.steps).toHaveLength(6);
  });

  it('saves into, lists, shows and exports from the project named by --project only', async () => {
    const file = join(dir, 'generic-web.json');
    writeFileSync(file, JSON.stringify({ name: 'generic', steps: [{ key: 'web-only', title: 'Web step' }] }));
    expect(await sortie('template', 'import', file, '--project', 'web')).toContain('saved generic v2 (1 steps) in project web');
    const names = async (...args: string[]) =>
      (await json('template', 'list', ...args)).items.filter((i: { name: string }) => i.name === 'generic').map((i: { version: number }) => i.version);
    expect(await names('--project', 'web')).toEqual([2]);
    expect(await names('--project', 'api')).toEqual([1]);
    expect(await names()).toEqual([1]);
    expect((await json('template', 'show', 'generic', '--project', 'web')).steps.map((x: { key: string }) => x.key)).toEqual(['web-only']);
    expect(JSON.parse(await sortie('template', 'export', 'generic', '--project', 'web')).steps).toHaveLength(1);
    const missing = await fails('template', 'show', 'generic@2', '--project', 'api');
    expect(missing.stderr).toContain('NOT_FOUND: template generic@2 not found in project api');
  });

  it('applies the version of the new mission’s project (--project)', async () => {
    const web = await json('template', 'apply', 'generic', '--name', 'Web work', '--project', 'web');
    expect(web).toMatchObject({ project: 'web', templateVersion: 2 });
    const api = await json('template', 'apply', 'generic', '--name', 'Api work', '--project', 'api', '--context', 'goal=x');
    expect(api).toMatchObject({ project: 'api', templateVersion: 1 });
  });

  it('creates recurring work and shows its next five runs; pause, resume and delete it', async () => {
    const r = await json('recurring', 'create', '--title', 'Weekly audit {{date}}', '--cron', '0 9 * * 1', '--timezone', 'Europe/Paris', '--assign', 'bob');
    expect(r).toMatchObject({ kind: 'task', assignedTo: 'bob', overlap: 'skip' });
    const shown = await sortie('recurring', 'show', r.recurringTaskId);
    expect(shown).toContain('schedule: "0 9 * * 1" in Europe/Paris · overlap skip');
    const preview = shown
      .split('next five runs:\n')[1]
      .split('\n')
      .filter((l) => l.trim());
    expect(preview).toHaveLength(5);
    for (const line of preview) expect(line).toMatch(/^ {2}\d{4}-\d{2}-\d{2} 09:00 Europe\/Paris {3}\d{4}-\d{2}-\d{2}T0[78]:00:00\.000Z$/);
    expect(await sortie('recurring', 'pause', r.recurringTaskId)).toContain('next runs: none while paused');
    expect(await sortie('recurring', 'list')).toMatch(new RegExp(`${r.recurringTaskId}\\s+task\\s+0 9 \\* \\* 1 Europe/Paris\\s+paused`));
    expect((await json('recurring', 'resume', r.recurringTaskId)).paused).toBe(false);
    expect(await sortie('recurring', 'delete', r.recurringTaskId)).toContain(`deleted recurring task ${r.recurringTaskId}`);
    expect((await json('recurring', 'list')).items).toEqual([]);

    const bad = await fails('recurring', 'create', '--title', 'x', '--cron', '0 9 * *');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('VALIDATION_FAILED: cronExpression');
  });
});
