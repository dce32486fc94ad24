// The `ci` tier of evidence items: which linked GitHub repository a `pr` or `commit` item means, and what GitHub's
// events (github_pulls, github_checks) say of it now. Judged whenever it is asked — never stored — so a later push
// to a pull request takes `ci` away again. Fail closed: anything not known is not ci.
import { type CheckFact, type CiVerdict, commitVerdict, type PullFact, pullVerdict } from '../core/ci.js';
import { baseTier } from '../core/evidence-tier.js';
import type { Db } from '../db/database.js';
import { checksOn, getPulls, linkedRepos, shasWithPrefix } from '../db/github-repo.js';
import { type CiJudgement, parseStringList } from '../db/rows.js';
import type { EvidenceTable, GithubChecksTable, GithubLinksTable, GithubPullsTable } from '../db/schema.js';

/** What the judge needs of an item. */
export interface CiSubject {
  kind: string;
  value: string;
  verification: string;
}

export interface CiOptions {
  /**
   * Say why an item cannot be ci even when the project uses no GitHub link at all — for a gate's refusal. Views
   * leave it off, so the items of projects without GitHub carry no note on every answer.
   */
  explain?: boolean;
}

const REF_RE = /^(?:([\w.-]+\/[\w.-]+))?#(\d+)$/;
const GITHUB_PR_RE = /^https?:\/\/(?:www\.)?github\.com\/([\w.-]+\/[\w.-]+)\/pull\/(\d+)\/?(?:[#?/]\S*)?$/i;

/** The repository (lower case, or null for "this project's") and number a `pr` value names; null when not GitHub's. */
export function pullRef(value: string): { repo: string | null; number: number } | null {
  const ref = REF_RE.exec(value);
  if (ref) return { repo: ref[1]?.toLowerCase() ?? null, number: Number(ref[2]) };
  const url = GITHUB_PR_RE.exec(value);
  return url ? { repo: url[1].toLowerCase(), number: Number(url[2]) } : null;
}

/** The linked repository a `pr` item means, or why it has none. */
export function pullRepo(
  value: string,
  project: string,
  links: readonly Pick<GithubLinksTable, 'repo' | 'display_name'>[],
): { link: Pick<GithubLinksTable, 'repo' | 'display_name'>; number: number } | { why: string } | null {
  const ref = pullRef(value);
  if (!ref) return null;
  if (ref.repo) {
    const link = links.find((l) => l.repo === ref.repo);
    return link ? { link, number: ref.number } : { why: `repository ${ref.repo} is not linked to project ${project}` };
  }
  if (links.length === 1) return { link: links[0], number: ref.number };
  if (links.length === 0) return { why: noLink(project) };
  return { why: `several repositories are linked to project ${project} (${links.map((l) => l.display_name).join(', ')}): name it as owner/repo#${ref.number}` };
}

function noLink(project: string): string {
  return `no GitHub repository is linked to project ${project} (sortie github link)`;
}

/** A pull request row as the CI verdict reads it. */
export function toPullFact(row: GithubPullsTable, display: string): PullFact {
  return {
    repo: display,
    number: row.number,
    headSha: row.head_sha,
    previousHeadSha: row.previous_head_sha,
    state: row.state === 'closed' ? 'closed' : 'open',
    merged: row.merged === 1,
    mergedAt: row.merged_at,
    url: row.url,
  };
}

/** A check row as the CI verdict reads it. */
export function toCheckFact(row: GithubChecksTable): CheckFact {
  return { source: row.source as CheckFact['source'], name: row.name, status: row.status, conclusion: row.conclusion, url: row.url };
}

function judged(item: CiSubject, verdict: CiVerdict): CiJudgement {
  if (verdict.state === 'ci') return { tier: 'ci', why: null, failed: false };
  return { tier: baseTier(item.verification), why: verdict.why, failed: verdict.state === 'failed' };
}

function note(item: CiSubject, why: string): CiJudgement {
  return { tier: baseTier(item.verification), why, failed: false };
}

/**
 * Judges the items of one project, index for index (null: GitHub says nothing of it). Batched: no query when no
 * item is a pr or commit; else one for the project's links, and when any is linked, per linked repository one for
 * its pull requests and one for the checks on their heads and on the cited commits (plus one per short SHA).
 */
export async function judgeCi(db: Db, project: string, items: readonly CiSubject[], options: CiOptions = {}): Promise<Array<CiJudgement | null>> {
  const out: Array<CiJudgement | null> = items.map(() => null);
  // An item that failed against the local repository stays failed whatever GitHub says.
  const subjects = items.map((item, i) => ({ item, i })).filter(({ item }) => (item.kind === 'pr' || item.kind === 'commit') && item.verification !== 'failed');
  if (subjects.length === 0) return out;
  const links = await linkedRepos(db, project);
  if (links.length === 0) {
    if (options.explain) for (const { item, i } of subjects) out[i] = note(item, noLink(project));
    return out;
  }
  const byRepo = new Map(links.map((l) => [l.repo, l]));
  const required = new Map(links.map((l) => [l.repo, parseStringList(l.required_checks, 'github_links.required_checks')]));

  // Which repository and pull request, or commit, each item means.
  const pullsWanted = new Map<string, Set<number>>();
  const pullOf = new Map<number, { repo: string; number: number }>();
  const commitOf = new Map<number, Array<{ repo: string; sha: string }>>();
  for (const { item, i } of subjects) {
    if (item.kind === 'pr') {
      const target = pullRepo(item.value, project, links);
      if (!target) continue;
      if ('why' in target) {
        out[i] = note(item, target.why);
        continue;
      }
      pullOf.set(i, { repo: target.link.repo, number: target.number });
      const set = pullsWanted.get(target.link.repo) ?? new Set<number>();
      set.add(target.number);
      pullsWanted.set(target.link.repo, set);
    } else {
      const sha = item.value.toLowerCase();
      commitOf.set(i, sha.length === 40 ? links.map((l) => ({ repo: l.repo, sha })) : await shasWithPrefix(db, [...byRepo.keys()], sha));
    }
  }

  const pulls = new Map<string, GithubPullsTable>();
  const shasWanted = new Map<string, Set<string>>();
  const want = (repo: string, sha: string) => {
    const set = shasWanted.get(repo) ?? new Set<string>();
    set.add(sha);
    shasWanted.set(repo, set);
  };
  for (const [repo, numbers] of pullsWanted) {
    for (const row of await getPulls(db, repo, [...numbers])) {
      pulls.set(`${repo}#${row.number}`, row);
      if (row.head_sha) want(repo, row.head_sha);
    }
  }
  for (const candidates of commitOf.values()) for (const c of candidates) want(c.repo, c.sha);
  const checks = new Map<string, CheckFact[]>();
  for (const [repo, shas] of shasWanted) {
    for (const row of await checksOn(db, repo, [...shas])) {
      const key = `${repo}@${row.sha}`;
      checks.set(key, [...(checks.get(key) ?? []), toCheckFact(row)]);
    }
  }

  for (const [i, ref] of pullOf) {
    const link = byRepo.get(ref.repo) as GithubLinksTable;
    const row = pulls.get(`${ref.repo}#${ref.number}`) ?? null;
    const head = row?.head_sha ? (checks.get(`${ref.repo}@${row.head_sha}`) ?? []) : [];
    const verdict = pullVerdict(row && toPullFact(row, link.display_name), head, required.get(ref.repo));
    out[i] = judged(items[i], row ? verdict : { ...verdict, why: `${link.display_name}#${ref.number}: ${verdict.why}` });
  }
  for (const [i, candidates] of commitOf) {
    const item = items[i];
    const reported = candidates.filter((c) => checks.has(`${c.repo}@${c.sha}`));
    if (reported.length > 1) {
      const where = reported.map((c) => `${byRepo.get(c.repo)?.display_name}@${c.sha.slice(0, 10)}`).join(', ');
      out[i] = note(item, `commit ${item.value} matches several reported commits (${where}): cite more of its SHA`);
      continue;
    }
    if (reported.length === 0) {
      out[i] = note(item, `GitHub has reported no check on commit ${item.value} in ${links.map((l) => l.display_name).join(', ')}`);
      continue;
    }
    const [c] = reported;
    const link = byRepo.get(c.repo) as GithubLinksTable;
    out[i] = judged(item, commitVerdict(link.display_name, c.sha, checks.get(`${c.repo}@${c.sha}`) ?? [], required.get(c.repo)));
  }
  return out;
}

/** The judgements of stored items, by evidence id, over any number of projects (one judgeCi per project). */
export async function judgeRows(db: Db, rows: readonly EvidenceTable[], options: CiOptions = {}): Promise<Map<string, CiJudgement>> {
  const out = new Map<string, CiJudgement>();
  const byProject = new Map<string, EvidenceTable[]>();
  for (const r of rows) {
    if (r.kind !== 'pr' && r.kind !== 'commit') continue;
    byProject.set(r.project, [...(byProject.get(r.project) ?? []), r]);
  }
  for (const [project, list] of byProject) {
    const judgements = await judgeCi(db, project, list, options);
    list.forEach((r, i) => {
      const j = judgements[i];
      if (j) out.set(r.id, j);
    });
  }
  return out;
}

/**
 * Where a pr or commit item of a linked repository is seen on GitHub: the pull request and its checks, or the
 * commit. Null when the item names no linked repository (a commit: when the project links several).
 */
export function githubLinks(
  kind: string,
  value: string,
  project: string,
  links: readonly Pick<GithubLinksTable, 'repo' | 'display_name'>[],
): { link: string; checks: string | null } | null {
  if (kind === 'pr') {
    const target = pullRepo(value, project, links);
    if (!target || 'why' in target) return null;
    const base = `https://github.com/${target.link.display_name}/pull/${target.number}`;
    return { link: base, checks: `${base}/checks` };
  }
  if (kind === 'commit' && links.length === 1 && /^[0-9a-f]{7,40}$/i.test(value))
    return { link: `https://github.com/${links[0].display_name}/commit/${value.toLowerCase()}`, checks: null };
  return null;
}
