// Evidence verified against a project's real git repository, on every dialect: commits must exist, files must be
// in the working tree or at a cited commit, and an item that failed verification blocks completion.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Actor } from '../src/core/model.js';
import type { Sortie } from '../src/service/sortie.js';
import { DIALECTS, openDialectSortie } from './support/dialects.js';
import { type TestSortie, tempDir } from './support/sortie.js';
import { refusedUnchanged } from './support/unchanged.js';

const PIA: Actor = { agent: 'pia' };
const WES: Actor = { agent: 'wes' };
const UNKNOWN_SHA = '0badc0ffee0badc0ffee0badc0ffee0badc0ffee';

function git(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-C', repo, ...args], {
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 't@example.com' },
  }).trim();
}

/** A repository with docs/guide.md in the tree, and docs/old.md only in the first commit. */
function makeRepo(): { repo: string; first: string; head: string } {
  const repo = tempDir('sortie-repo-');
  git(repo, 'init', '-q');
  mkdirSync(join(repo, 'docs'));
  writeFileSync(join(repo, 'docs', 'old.md'), 'old\n');
  writeFileSync(join(repo, 'docs', 'guide.md'), '# Guide\n');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'docs');
  const first = git(repo, 'rev-parse', 'HEAD');
  rmSync(join(repo, 'docs', 'old.md'));
  git(repo, 'commit', '-q', '-am', 'drop old page');
  return { repo, first, head: git(repo, 'rev-parse', 'HEAD') };
}

describe.each(DIALECTS)('evidence verification on %s', (dialect) => {
  let t: TestSortie;
  let s: Sortie;
  let repo: ReturnType<typeof makeRepo>;
  let counter = 0;

  beforeAll(async () => {
    t = await openDialectSortie(dialect);
    s = t.sortie;
    repo = makeRepo();
    await s.configureProject(PIA, { name: 'docs-site', repoPath: repo.repo });
  });
  afterAll(() => t?.close());

  async function executing(deliverables?: Array<{ name: string; acceptedKinds?: Array<'commit' | 'file' | 'pr'> }>) {
    const m = await s.createMission(PIA, { name: `verify-${++counter}`, pilot: 'pia', agents: ['wes'], project: 'docs-site', deliverables });
    await s.createTask(PIA, { title: 'write', missionId: m.missionId });
    await s.updateMissionStatus(PIA, { missionId: m.missionId, status: 'plan' });
    await s.updateMissionStatus(PIA, { missionId: m.missionId, status: 'execute' });
    return { id: m.missionId, t0: { taskId: 'T0', missionId: m.missionId } };
  }

  it('a commit that exists is verified, with when it was checked', async () => {
    const m = await executing();
    await s.checkoutTask(WES, m.t0);
    const done = await s.completeTask(WES, { ...m.t0, completionNote: `Landed in ${repo.head.slice(0, 10)}` });
    expect(done.evidence).toHaveLength(1);
    expect(done.evidence[0]).toMatchObject({
      kind: 'commit',
      value: repo.head.slice(0, 10),
      verification: 'verified',
      checkedAt: new Date(t.clock.now()).toISOString(),
    });
  });

  it('an unknown SHA fails verification and does not satisfy the task gate; nothing changes', async () => {
    const m = await executing();
    await s.checkoutTask(WES, m.t0);
    const error = await refusedUnchanged(t, 'EVIDENCE_REQUIRED', () => s.completeTask(WES, { ...m.t0, completionNote: `Landed in ${UNKNOWN_SHA}` }));
    // Reported as what it is, not as missing evidence.
    expect(error.message).toBe(`cannot move the task to done: commit ${UNKNOWN_SHA} is not in the linked repository`);
    // With a real item beside it, the task completes and the failed one is recorded as failed, with why.
    const done = await s.completeTask(WES, { ...m.t0, completionNote: `Landed in ${UNKNOWN_SHA}`, evidence: [{ kind: 'commit', value: repo.first }] });
    const byValue = Object.fromEntries(done.evidence.map((e) => [e.value, e]));
    expect(byValue[repo.first].verification).toBe('verified');
    expect(byValue[UNKNOWN_SHA]).toMatchObject({ verification: 'failed', verificationDetail: expect.stringContaining('not found') });
  });

  it('a file in the working tree is verified; a missing one fails; one only at a cited commit is verified there', async () => {
    const m = await executing();
    await s.checkoutTask(WES, m.t0);
    await refusedUnchanged(t, 'EVIDENCE_REQUIRED', () => s.completeTask(WES, { ...m.t0, completionNote: 'wrote docs/missing.md' }));
    await refusedUnchanged(t, 'EVIDENCE_REQUIRED', () => s.completeTask(WES, { ...m.t0, completionNote: 'see docs/old.md' }));
    const outside = await refusedUnchanged(t, 'EVIDENCE_REQUIRED', () =>
      s.completeTask(WES, { ...m.t0, completionNote: 'x', evidence: [{ kind: 'file', value: '../../etc/passwd' }] }),
    );
    expect(outside.message).toBe('cannot move the task to done: file ../../etc/passwd failed verification: file path leaves the repository');
    const done = await s.completeTask(WES, { ...m.t0, completionNote: `Updated docs/guide.md; removed docs/old.md, last seen at ${repo.first}` });
    const byValue = Object.fromEntries(done.evidence.map((e) => [e.value, e]));
    expect(byValue['docs/guide.md']).toMatchObject({ kind: 'file', verification: 'verified', verificationDetail: 'file exists in the working tree' });
    expect(byValue['docs/old.md']).toMatchObject({ kind: 'file', verification: 'verified', verificationDetail: `file exists at commit ${repo.first}` });
  });

  it('a file inside .git/ is git data, not a deliverable: it fails verification, also through a symbolic link', async () => {
    const link = join(repo.repo, 'docs', 'settings.cfg');
    symlinkSync(join(repo.repo, '.git', 'config'), link);
    onTestFinished(() => rmSync(link, { force: true }));
    const m = await executing();
    await s.checkoutTask(WES, m.t0);
    for (const value of ['.git/config', './.git/HEAD', 'docs/../.git/config', '.GIT/config', 'docs/settings.cfg']) {
      const error = await refusedUnchanged(t, 'EVIDENCE_REQUIRED', () =>
        s.completeTask(WES, { ...m.t0, completionNote: 'x', evidence: [{ kind: 'file', value }] }),
      );
      expect(error.message, value).toMatch(/^cannot move the task to done: file \S+ failed verification: /);
      expect(error.message, value).not.toContain('no evidence item found');
    }
    // Recorded beside a real item, it is kept as failed with the reason.
    const done = await s.completeTask(WES, { ...m.t0, completionNote: 'Updated docs/guide.md', evidence: [{ kind: 'file', value: '.git/config' }] });
    expect(done.evidence.find((e) => e.value === '.git/config')).toMatchObject({
      verification: 'failed',
      verificationDetail: "file path is inside .git/: git's own data, not a deliverable",
    });
  });

  it('a reviewer approving with the items the author cited stores each once (a short SHA and its full form are one)', async () => {
    const m = await executing();
    await s.checkoutTask(WES, m.t0);
    const short = repo.head.slice(0, 10);
    await s.submitForReview(WES, { ...m.t0, completionNote: `PR #42, landed in ${short}` });
    const done = await s.completeTask(PIA, { ...m.t0, completionNote: `Approved #42 (${repo.head})`, evidence: [{ kind: 'pr', value: '#42' }] });
    expect(done.status).toBe('done');
    expect(done.evidence.map((e) => [e.kind, e.value]).sort()).toEqual([
      ['commit', short],
      ['pr', '#42'],
    ]);
    const task = await s.getTask(PIA, m.t0);
    expect(task.evidence).toHaveLength(2);
  });

  it('the same item in the note and in the explicit list is stored once', async () => {
    const m = await executing();
    await s.checkoutTask(WES, m.t0);
    const done = await s.completeTask(WES, {
      ...m.t0,
      completionNote: `Merged #7 at ${repo.head}; 3/3 tests`,
      evidence: [
        { kind: 'pr', value: '#7' },
        { kind: 'commit', value: repo.head.toUpperCase() },
        { kind: 'test_ratio', value: '3/3' },
      ],
    });
    expect(done.evidence.map((e) => `${e.kind} ${e.value}`).sort()).toEqual([`commit ${repo.head}`, 'pr #7', 'test_ratio 3/3']);
  });

  it('mission evidence given again for the same deliverable is stored once; for another deliverable it is its own item', async () => {
    const m = await executing([
      { name: 'docs', acceptedKinds: ['pr'] },
      { name: 'code', acceptedKinds: ['pr'] },
    ]);
    await s.addMissionEvidence(PIA, { missionId: m.id, deliverable: 'docs', evidence: [{ kind: 'pr', value: '#42' }] });
    const again = await s.addMissionEvidence(PIA, { missionId: m.id, deliverable: 'docs', note: 'see #42', evidence: [{ kind: 'pr', value: '#42' }] });
    expect(again.evidence.filter((e) => e.value === '#42').map((e) => e.deliverable)).toEqual(['docs']);
    const other = await s.addMissionEvidence(PIA, { missionId: m.id, deliverable: 'code', evidence: [{ kind: 'pr', value: '#42' }] });
    expect(
      other.evidence
        .filter((e) => e.value === '#42')
        .map((e) => e.deliverable)
        .sort(),
    ).toEqual(['code', 'docs']);
  });

  it('a project URL that is not http(s) is refused, naming url, and changes nothing', async () => {
    for (const repoUrl of ['javascript:alert(document.cookie)', 'data:text/html,<b>x</b>']) {
      const error = await refusedUnchanged(t, 'VALIDATION_FAILED', () => s.configureProject(PIA, { name: 'docs-site', repoPath: repo.repo, repoUrl }));
      expect(error.details.field).toBe('url');
    }
  });

  it('mission evidence that failed verification blocks complete until it is superseded', async () => {
    const m = await executing([{ name: 'docs', acceptedKinds: ['commit', 'file'] }]);
    await s.checkoutTask(WES, m.t0);
    await s.completeTask(WES, { ...m.t0, completionNote: 'docs/guide.md' });
    const withFailed = await s.addMissionEvidence(PIA, { missionId: m.id, deliverable: 'docs', evidence: [{ kind: 'commit', value: UNKNOWN_SHA }] });
    const failed = withFailed.evidence.find((e) => e.value === UNKNOWN_SHA);
    expect(failed).toMatchObject({ verification: 'failed', deliverable: 'docs' });
    await s.addMissionEvidence(PIA, { missionId: m.id, deliverable: 'docs', evidence: [{ kind: 'file', value: 'docs/guide.md' }] });
    // The deliverable has a verified item, yet the failed one still blocks completion.
    const error = await refusedUnchanged(t, 'EVIDENCE_REQUIRED', () => s.updateMissionStatus(PIA, { missionId: m.id, status: 'complete' }));
    expect(error.details.missing).toEqual([`evidence commit ${UNKNOWN_SHA} failed verification`]);
    const fixed = await s.addMissionEvidence(PIA, {
      missionId: m.id,
      deliverable: 'docs',
      evidence: [{ kind: 'commit', value: repo.head }],
      supersedes: failed?.id,
    });
    expect(fixed.evidence.find((e) => e.id === failed?.id)?.supersededBy).toEqual(expect.any(String));
    expect((await s.updateMissionStatus(PIA, { missionId: m.id, status: 'complete' })).status).toBe('complete');
  });

  it('without a linked repository items stay unverified and are accepted', async () => {
    const m = await s.createMission(PIA, { name: `unlinked-${++counter}`, pilot: 'pia', project: 'no-repo' });
    await s.createTask(PIA, { title: 'write', missionId: m.missionId });
    await s.updateMissionStatus(PIA, { missionId: m.missionId, status: 'plan' });
    await s.updateMissionStatus(PIA, { missionId: m.missionId, status: 'execute' });
    const ref = { taskId: 'T0', missionId: m.missionId };
    await s.checkoutTask(PIA, ref);
    const done = await s.completeTask(PIA, { ...ref, completionNote: `${UNKNOWN_SHA} and docs/missing.md` });
    expect(done.evidence.map((e) => [e.value, e.verification, e.checkedAt])).toEqual([
      [UNKNOWN_SHA, 'unverified', null],
      ['docs/missing.md', 'unverified', null],
    ]);
  });
});
