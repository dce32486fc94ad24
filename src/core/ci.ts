// What GitHub's events say of a pull request or a commit: the verdict behind the `ci` evidence tier. Pure: the
// facts come from the github_* tables, filled by webhook deliveries. Anything not known is not ci (fail closed).

/** The latest result of one check on one commit: a check run, a check suite or a commit status. */
export interface CheckFact {
  source: 'check_run' | 'check_suite' | 'status';
  name: string;
  /** queued | in_progress | completed */
  status: string;
  /** success, neutral, skipped (pass); failure, cancelled, timed_out, action_required, startup_failure, stale, error (fail). */
  conclusion: string | null;
  url: string | null;
}

/** What GitHub last reported of a pull request. */
export interface PullFact {
  repo: string;
  number: number;
  headSha: string | null;
  previousHeadSha: string | null;
  state: 'open' | 'closed';
  merged: boolean;
  mergedAt: string | null;
  url: string | null;
}

const PASSING = new Set(['success', 'neutral', 'skipped']);

export interface ChecksVerdict {
  state: 'passed' | 'failed' | 'pending' | 'none';
  failing: string[];
  pending: string[];
  passed: string[];
  /** Required checks never reported on the commit. */
  missing: string[];
}

function checkLabel(c: CheckFact): string {
  return c.source === 'status' ? `status ${c.name}` : `check ${c.name}`;
}

/**
 * The verdict of a commit's checks. With `required` names, only those count and each must have reported; without,
 * every check reported counts and at least one must exist. A check suite is left out when check runs were reported
 * (the runs say more), as is a suite GitHub created for an app that never ran a check on the commit.
 */
export function checksVerdict(all: readonly CheckFact[], required: readonly string[] = []): ChecksVerdict {
  const hasRuns = all.some((c) => c.source === 'check_run');
  let checks = all.filter((c) => c.source !== 'check_suite' || !hasRuns);
  const missing: string[] = [];
  if (required.length) {
    checks = checks.filter((c) => required.includes(c.name));
    for (const name of required) if (!checks.some((c) => c.name === name)) missing.push(name);
  }
  const failing: string[] = [];
  const pending: string[] = [];
  const passed: string[] = [];
  for (const c of checks) {
    if (c.status !== 'completed') pending.push(checkLabel(c));
    else if (c.conclusion && PASSING.has(c.conclusion)) passed.push(checkLabel(c));
    else failing.push(`${checkLabel(c)} ${c.conclusion ?? 'failed'}`);
  }
  const state = failing.length ? 'failed' : pending.length || missing.length ? 'pending' : passed.length ? 'passed' : 'none';
  return { state, failing, pending, passed, missing };
}

/** ci: confirmed; failed: checks failed; pending: checks still to come; stale: pushed to since; unmerged; unknown. */
export type CiState = 'ci' | 'failed' | 'pending' | 'stale' | 'unmerged' | 'unknown';

export interface CiVerdict {
  state: CiState;
  /** One sentence a model or a person can act on. */
  why: string;
  /** The commit the verdict is about (the PR's head). */
  sha: string | null;
}

export function shortSha(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 7) : '?';
}

function waitingFor(v: ChecksVerdict, sha: string | null): string {
  if (v.state === 'none') return `no check reported on ${shortSha(sha)} yet`;
  const parts = [...v.pending.map((p) => `${p} still running`), ...v.missing.map((m) => `required check ${m} not reported`)];
  return `on ${shortSha(sha)}: ${parts.join(', ')}`;
}

/**
 * A pull request is ci when it is merged and its checks passed on its head at merge; failed checks fail it; a push
 * after checks passed makes an unmerged one stale until its new head's checks pass again.
 */
export function pullVerdict(pull: PullFact | null, headChecks: readonly CheckFact[], required: readonly string[] = []): CiVerdict {
  if (!pull) return { state: 'unknown', why: 'GitHub has not reported this pull request yet (no pull_request event)', sha: null };
  const ref = `${pull.repo}#${pull.number}`;
  const sha = pull.headSha;
  if (!sha) return { state: 'unknown', why: `${ref}: its head commit is not known yet`, sha: null };
  const checks = checksVerdict(headChecks, required);
  if (checks.state === 'failed') return { state: 'failed', why: `${ref}: ${checks.failing.join(', ')} on ${shortSha(sha)}`, sha };
  if (pull.merged) {
    if (checks.state === 'passed') return { state: 'ci', why: `${ref} merged with ${checks.passed.length} check(s) passed on head ${shortSha(sha)}`, sha };
    return { state: 'pending', why: `${ref} is merged, but ${waitingFor(checks, sha)}`, sha };
  }
  if (pull.state === 'closed') return { state: 'unmerged', why: `${ref} was closed without being merged`, sha };
  if (checks.state === 'passed') return { state: 'unmerged', why: `${ref} is open: checks passed on ${shortSha(sha)}, not merged yet`, sha };
  if (pull.previousHeadSha && pull.previousHeadSha !== sha)
    return { state: 'stale', why: `${ref} was pushed to (${shortSha(pull.previousHeadSha)} → ${shortSha(sha)}): ${waitingFor(checks, sha)}`, sha };
  return { state: 'pending', why: `${ref} is open, ${waitingFor(checks, sha)}`, sha };
}

/** A commit is ci when its checks passed. */
export function commitVerdict(repo: string, sha: string, checks: readonly CheckFact[], required: readonly string[] = []): CiVerdict {
  const v = checksVerdict(checks, required);
  const at = `${repo}@${shortSha(sha)}`;
  if (v.state === 'passed') return { state: 'ci', why: `${at}: ${v.passed.length} check(s) passed`, sha };
  if (v.state === 'failed') return { state: 'failed', why: `${at}: ${v.failing.join(', ')}`, sha };
  if (v.state === 'none') return { state: 'unknown', why: `${at}: GitHub has reported no check on this commit`, sha };
  return { state: 'pending', why: `${at}: ${waitingFor(v, sha)}`, sha };
}
