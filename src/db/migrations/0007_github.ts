// Frozen: GitHub in the loop — linked repositories with their webhook secrets, the deliveries handled (idempotency),
// the mission each issue became, and what GitHub reported of pull requests and checks (the facts behind the `ci`
// evidence tier). A mission may say where its brief came from (brief_source), so outside text is shown as such.
import type { Kysely } from 'kysely';

export const name = '0007_github';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('github_links')
    // "owner/name" in lower case: GitHub's names are case-insensitive; `display_name` keeps the spelling given.
    .addColumn('repo', 'text', (c) => c.primaryKey())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('project', 'text', (c) => c.notNull())
    .addColumn('pilot', 'text', (c) => c.notNull())
    .addColumn('agents', 'text', (c) => c.notNull())
    .addColumn('template', 'text', (c) => c.notNull())
    .addColumn('label', 'text')
    .addColumn('required_checks', 'text', (c) => c.notNull())
    // The webhook secret itself: an HMAC is checked with it, so unlike a token it cannot be stored as a hash.
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('github_links_project').on('github_links').columns(['project']).execute();

  await db.schema
    .createTable('github_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('action', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('received_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('github_deliveries_repo').on('github_deliveries').columns(['repo', 'received_at']).execute();

  await db.schema
    .createTable('github_issues')
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('mission_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('author', 'text')
    .addColumn('url', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('github_issues_pk', ['repo', 'number'])
    .execute();
  await db.schema.createIndex('github_issues_mission').on('github_issues').columns(['mission_id']).execute();

  await db.schema
    .createTable('github_pulls')
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('head_sha', 'text')
    // The head before the last push (synchronize), so a stale item can say what it was checked on.
    .addColumn('previous_head_sha', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('merged', 'integer', (c) => c.notNull())
    .addColumn('merged_at', 'text')
    .addColumn('merge_commit_sha', 'text')
    .addColumn('url', 'text')
    // GitHub's updated_at of the pull request: an older delivery arriving late does not undo a newer one.
    .addColumn('source_updated_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('github_pulls_pk', ['repo', 'number'])
    .execute();

  await db.schema
    .createTable('github_checks')
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('sha', 'text', (c) => c.notNull())
    // check_run | check_suite | status
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    // GitHub's id of the run, suite or status: a re-run has a higher id and replaces the older result.
    .addColumn('external_id', 'text', (c) => c.notNull())
    // queued | in_progress | completed (a status: pending or completed)
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('conclusion', 'text')
    .addColumn('url', 'text')
    .addColumn('source_updated_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('github_checks_pk', ['repo', 'sha', 'source', 'name'])
    .execute();

  // JSON {kind: "github_issue", repo, issue, url, author}: the brief is outside text, shown labelled with it.
  await db.schema.alterTable('missions').addColumn('brief_source', 'text').execute();
}
