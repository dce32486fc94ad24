// The CI verdicts behind the `ci` evidence tier, from GitHub's facts alone.
import { describe, expect, it } from 'vitest';
import { type CheckFact, checksVerdict, commitVerdict, type PullFact, pullVerdict } from './ci.js';

const HEAD = '1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b';
const NEW_HEAD = '9f8e7d6c5b4a39281706f5e4d3c2b1a098765432';

function run(name: string, conclusion: string | null, status = 'completed'): CheckFact {
  return { source: 'check_run', name, status, conclusion, url: null };
}

function pull(over: Partial<PullFact> = {}): PullFact {
  return { repo: 'acme/app', number: 42, headSha: HEAD, previousHeadSha: null, state: 'open', merged: false, mergedAt: null, url: null, ...over };
}

describe('checksVerdict', () => {
  it('passes when every reported check passed (success, neutral, skipped)', () => {
    const v = checksVerdict([run('test', 'success'), run('lint', 'neutral'), run('docs', 'skipped')]);
    expect(v.state).toBe('passed');
    expect(v.passed).toEqual(['check test', 'check lint', 'check docs']);
  });

  it('fails on any failing check, naming it and its conclusion', () => {
    const v = checksVerdict([
      run('test', 'failure'),
      run('lint', 'success'),
      { source: 'status', name: 'ci/circle', status: 'completed', conclusion: 'error', url: null },
    ]);
    expect(v.state).toBe('failed');
    expect(v.failing).toEqual(['check test failure', 'status ci/circle error']);
  });

  it('is pending while a check runs, and none when nothing was reported', () => {
    expect(checksVerdict([run('test', null, 'in_progress'), run('lint', 'success')]).state).toBe('pending');
    expect(checksVerdict([]).state).toBe('none');
  });

  it('with required checks counts only those, and each must have reported', () => {
    const checks = [run('test', 'success'), run('flaky', 'failure')];
    expect(checksVerdict(checks, ['test']).state).toBe('passed');
    const missing = checksVerdict(checks, ['test', 'build']);
    expect(missing.state).toBe('pending');
    expect(missing.missing).toEqual(['build']);
  });

  it('leaves check suites out when check runs were reported (the runs say more)', () => {
    const suite: CheckFact = { source: 'check_suite', name: 'GitHub Actions', status: 'completed', conclusion: 'failure', url: null };
    expect(checksVerdict([suite, run('test', 'success')]).state).toBe('passed');
    expect(checksVerdict([suite]).state).toBe('failed');
  });
});

describe('pullVerdict', () => {
  it('is ci only when merged and the checks passed on the head', () => {
    const v = pullVerdict(pull({ merged: true, state: 'closed' }), [run('test', 'success')]);
    expect(v).toEqual({ state: 'ci', why: 'acme/app#42 merged with 1 check(s) passed on head 1a2b3c4', sha: HEAD });
  });

  it('an open PR with green checks is unmerged, not ci', () => {
    const v = pullVerdict(pull(), [run('test', 'success')]);
    expect(v.state).toBe('unmerged');
    expect(v.why).toBe('acme/app#42 is open: checks passed on 1a2b3c4, not merged yet');
  });

  it('merged with checks still running, or none reported, is pending', () => {
    expect(pullVerdict(pull({ merged: true }), [run('test', null, 'queued')]).state).toBe('pending');
    const none = pullVerdict(pull({ merged: true }), []);
    expect(none.state).toBe('pending');
    expect(none.why).toContain('no check reported on 1a2b3c4 yet');
  });

  it('failed checks fail it, merged or not, naming the check', () => {
    for (const merged of [false, true]) {
      const v = pullVerdict(pull({ merged }), [run('test', 'failure')]);
      expect(v.state).toBe('failed');
      expect(v.why).toBe('acme/app#42: check test failure on 1a2b3c4');
    }
  });

  it('a push after green checks makes an unmerged PR stale until its new head passes', () => {
    const pushed = pull({ headSha: NEW_HEAD, previousHeadSha: HEAD });
    const v = pullVerdict(pushed, []);
    expect(v.state).toBe('stale');
    expect(v.why).toContain('was pushed to (1a2b3c4 → 9f8e7d6)');
    expect(pullVerdict({ ...pushed, merged: true }, [run('test', 'success')]).state).toBe('ci');
  });

  it('with no event, or a closed unmerged PR, is not ci', () => {
    expect(pullVerdict(null, []).state).toBe('unknown');
    expect(pullVerdict(pull({ state: 'closed' }), [run('test', 'success')]).state).toBe('unmerged');
    expect(pullVerdict(pull({ headSha: null }), []).state).toBe('unknown');
  });

  it('honours the required checks of the link', () => {
    const merged = pull({ merged: true });
    expect(pullVerdict(merged, [run('test', 'success')], ['test', 'e2e']).state).toBe('pending');
    expect(pullVerdict(merged, [run('test', 'success'), run('e2e', 'success')], ['test', 'e2e']).state).toBe('ci');
  });
});

describe('commitVerdict', () => {
  it('is ci when the commit has passing checks; failed, pending or unknown otherwise', () => {
    expect(commitVerdict('acme/app', HEAD, [run('test', 'success')]).state).toBe('ci');
    const failed = commitVerdict('acme/app', HEAD, [run('test', 'timed_out')]);
    expect(failed).toMatchObject({ state: 'failed', why: 'acme/app@1a2b3c4: check test timed_out' });
    expect(commitVerdict('acme/app', HEAD, [run('test', null, 'in_progress')]).state).toBe('pending');
    expect(commitVerdict('acme/app', HEAD, []).state).toBe('unknown');
  });
});
