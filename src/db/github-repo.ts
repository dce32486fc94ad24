// GitHub persistence: linked repositories, handled deliveries, the mission of each issue, and the pull requests and
// checks GitHub reported. Writers keep the newest report: a delivery that arrives late does not undo a newer one.
import { sql } from 'kysely';
import type { Database, Db } from './database.js';
import type { GithubChecksTable, GithubDeliveriesTable, GithubIssuesTable, GithubLinksTable, GithubPullsTable } from './schema.js';

export async function insertLink(tx: Db, row: GithubLinksTable): Promise<void> {
  await tx.insertInto('github_links').values(row).execute();
}

export async function replaceLink(tx: Db, row: GithubLinksTable): Promise<void> {
  await tx.deleteFrom('github_links').where('repo', '=', row.repo).execute();
  await insertLink(tx, row);
}

export async function getLink(db: Db, repo: string): Promise<GithubLinksTable | undefined> {
  return db.selectFrom('github_links').selectAll().where('repo', '=', repo.toLowerCase()).executeTakeFirst();
}

export async function listLinks(db: Db): Promise<GithubLinksTable[]> {
  return db.selectFrom('github_links').selectAll().orderBy('repo').execute();
}

/** The repositories linked to one project, by name ("owner/name", lower case). */
export async function linkedRepos(db: Db, project: string): Promise<GithubLinksTable[]> {
  return db.selectFrom('github_links').selectAll().where('project', '=', project).orderBy('repo').execute();
}

export async function deleteLink(tx: Db, repo: string): Promise<number> {
  const result = await tx.deleteFrom('github_links').where('repo', '=', repo.toLowerCase()).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Records a delivery; false when its id was handled before (by this or any replica): the caller does nothing. */
export async function recordDelivery(tx: Db, row: GithubDeliveriesTable): Promise<boolean> {
  const result = await tx
    .insertInto('github_deliveries')
    .values(row)
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .execute();
  return result.length === 1;
}

export async function setDeliveryOutcome(tx: Db, id: string, outcome: string, detail: string | null): Promise<void> {
  await tx.updateTable('github_deliveries').set({ outcome, detail }).where('id', '=', id).execute();
}

export async function deliveryStats(db: Db): Promise<Map<string, { count: number; last: string | null }>> {
  const rows = await db
    .selectFrom('github_deliveries')
    .select(({ fn }) => ['repo', fn.countAll<number>().as('n'), fn.max('received_at').as('last')])
    .groupBy('repo')
    .execute();
  return new Map(rows.map((r) => [r.repo, { count: Number(r.n), last: (r.last as string | null) ?? null }]));
}

export async function getIssueMission(db: Db, repo: string, number: number): Promise<GithubIssuesTable | undefined> {
  return db.selectFrom('github_issues').selectAll().where('repo', '=', repo).where('number', '=', number).executeTakeFirst();
}

export async function issueOfMission(db: Db, missionId: string): Promise<GithubIssuesTable | undefined> {
  return db.selectFrom('github_issues').selectAll().where('mission_id', '=', missionId).executeTakeFirst();
}

/** One mission per repository and issue: false when the issue already has one. */
export async function insertIssueMission(tx: Db, row: GithubIssuesTable): Promise<boolean> {
  const result = await tx
    .insertInto('github_issues')
    .values(row)
    .onConflict((oc) => oc.columns(['repo', 'number']).doNothing())
    .returning('repo')
    .execute();
  return result.length === 1;
}

export async function updateIssueState(tx: Db, repo: string, number: number, state: string, now: string): Promise<void> {
  await tx.updateTable('github_issues').set({ state, updated_at: now }).where('repo', '=', repo).where('number', '=', number).execute();
}

export async function getPulls(db: Db, repo: string, numbers: readonly number[]): Promise<GithubPullsTable[]> {
  if (numbers.length === 0) return [];
  return db
    .selectFrom('github_pulls')
    .selectAll()
    .where('repo', '=', repo)
    .where('number', 'in', [...numbers])
    .execute();
}

/** What a delivery says of a pull request; `updatedAt` is GitHub's, `merged` only ever goes from false to true. */
export interface PullReport {
  repo: string;
  number: number;
  headSha: string | null;
  state: 'open' | 'closed';
  merged: boolean;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  url: string | null;
  updatedAt: string | null;
}

/**
 * Keeps the newest report of a pull request. Once merged its head is final: a late `synchronize` does not move it.
 * A report only of the head (from a check's payload) sets the head of a pull request not seen yet, nothing more.
 */
export async function savePull(database: Database, tx: Db, report: PullReport, now: string, headOnly = false): Promise<void> {
  await tx
    .insertInto('github_pulls')
    .values({
      repo: report.repo,
      number: report.number,
      head_sha: report.headSha,
      previous_head_sha: null,
      state: report.state,
      merged: report.merged ? 1 : 0,
      merged_at: report.mergedAt,
      merge_commit_sha: report.mergeCommitSha,
      url: report.url,
      source_updated_at: headOnly ? null : report.updatedAt,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(['repo', 'number']).doNothing())
    .execute();
  if (headOnly) return;
  const row = await database
    .forUpdate(tx.selectFrom('github_pulls').selectAll().where('repo', '=', report.repo).where('number', '=', report.number))
    .executeTakeFirst();
  if (!row) return;
  if (row.merged === 1) return;
  if (row.source_updated_at && report.updatedAt && report.updatedAt < row.source_updated_at) return;
  const headMoved = row.head_sha !== null && report.headSha !== null && row.head_sha !== report.headSha;
  await tx
    .updateTable('github_pulls')
    .set({
      head_sha: report.headSha ?? row.head_sha,
      previous_head_sha: headMoved ? row.head_sha : row.previous_head_sha,
      state: report.state,
      merged: report.merged ? 1 : 0,
      merged_at: report.mergedAt,
      merge_commit_sha: report.mergeCommitSha,
      url: report.url ?? row.url,
      source_updated_at: report.updatedAt ?? row.source_updated_at,
      updated_at: now,
    })
    .where('repo', '=', report.repo)
    .where('number', '=', report.number)
    .execute();
}

const STATUS_RANK: Record<string, number> = { queued: 0, requested: 0, waiting: 0, pending: 0, in_progress: 1, completed: 2 };

/** GitHub's ids grow: compare them as numbers, however long. */
function newerId(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Keeps the newest result of one check on one commit: a higher id (a re-run) replaces it; the same id moves only
 * forward (queued → in_progress → completed), or to a newer report of GitHub's.
 */
export async function saveCheck(database: Database, tx: Db, row: GithubChecksTable): Promise<void> {
  await tx
    .insertInto('github_checks')
    .values(row)
    .onConflict((oc) => oc.columns(['repo', 'sha', 'source', 'name']).doNothing())
    .execute();
  const old = await database
    .forUpdate(
      tx
        .selectFrom('github_checks')
        .selectAll()
        .where('repo', '=', row.repo)
        .where('sha', '=', row.sha)
        .where('source', '=', row.source)
        .where('name', '=', row.name),
    )
    .executeTakeFirst();
  if (!old) return;
  const byId = newerId(row.external_id, old.external_id);
  const sameIdNewer =
    byId === 0 &&
    ((STATUS_RANK[row.status] ?? 0) > (STATUS_RANK[old.status] ?? 0) ||
      ((STATUS_RANK[row.status] ?? 0) === (STATUS_RANK[old.status] ?? 0) && (row.source_updated_at ?? '') >= (old.source_updated_at ?? '')));
  if (byId < 0 || (byId === 0 && !sameIdNewer)) return;
  await tx
    .updateTable('github_checks')
    .set({
      external_id: row.external_id,
      status: row.status,
      conclusion: row.conclusion,
      url: row.url,
      source_updated_at: row.source_updated_at,
      updated_at: row.updated_at,
    })
    .where('repo', '=', row.repo)
    .where('sha', '=', row.sha)
    .where('source', '=', row.source)
    .where('name', '=', row.name)
    .execute();
}

/** The checks reported on each of the given commits (full SHAs) of one repository. */
export async function checksOn(db: Db, repo: string, shas: readonly string[]): Promise<GithubChecksTable[]> {
  if (shas.length === 0) return [];
  return db
    .selectFrom('github_checks')
    .selectAll()
    .where('repo', '=', repo)
    .where('sha', 'in', [...shas])
    .execute();
}

/** The full SHAs with checks in the given repositories that start with `prefix` (a cited commit may be short). */
export async function shasWithPrefix(db: Db, repos: readonly string[], prefix: string): Promise<Array<{ repo: string; sha: string }>> {
  if (repos.length === 0) return [];
  return db
    .selectFrom('github_checks')
    .select(['repo', 'sha'])
    .distinct()
    .where('repo', 'in', [...repos])
    .where('sha', '>=', prefix)
    .where('sha', '<', `${prefix}g`)
    .limit(5)
    .execute();
}

/** A project's current mission evidence (a mission's or its tasks') of one kind: what a CI verdict change concerns. */
function currentMissionEvidence(db: Db, project: string, kind: 'pr' | 'commit') {
  return db
    .selectFrom('evidence')
    .select(['mission_id', 'value'])
    .where('project', '=', project)
    .where('kind', '=', kind)
    .where('superseded_by', 'is', null)
    .where('mission_id', 'is not', null);
}

/** Current mission evidence in a project that cites a pull request numbered `n`, in any form. */
export async function pullEvidenceNaming(db: Db, project: string, n: number): Promise<Array<{ missionId: string; value: string }>> {
  const rows = await currentMissionEvidence(db, project, 'pr')
    .where((eb) =>
      eb.or([
        eb('value', 'like', `%#${n}`),
        eb('value', 'like', `%/pull/${n}`),
        eb('value', 'like', `%/pull/${n}/%`),
        eb('value', 'like', `%/pull/${n}#%`),
        eb('value', 'like', `%/pull/${n}?%`),
      ]),
    )
    .execute();
  return rows.map((r) => ({ missionId: r.mission_id as string, value: r.value }));
}

/** Current mission evidence in a project citing the commit `sha` (full): a cited SHA may be a prefix of it. */
export async function commitEvidenceOf(db: Db, project: string, sha: string): Promise<Array<{ missionId: string; value: string }>> {
  const rows = await currentMissionEvidence(db, project, 'commit')
    .where(sql<boolean>`${sha} like ${sql.ref('value')} || '%'`)
    .execute();
  return rows.map((r) => ({ missionId: r.mission_id as string, value: r.value }));
}
