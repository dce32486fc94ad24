// The in-progress rule: how many tasks one agent instance may have in progress at once in one project.

/** The limit of a project with no setting: one task in progress per agent instance. */
export const DEFAULT_MAX_IN_PROGRESS = 1;

/**
 * A project's limit from its `max_in_progress` setting: null (unset) is the default, 0 turns the rule off (the
 * answer is null: no limit), N allows at most N.
 */
export function inProgressLimit(setting: number | null | undefined): number | null {
  if (setting === null || setting === undefined) return DEFAULT_MAX_IN_PROGRESS;
  return setting === 0 ? null : setting;
}

/** Whether an instance holding `held` tasks in progress under `limit` (from inProgressLimit) may start one more. */
export function mayStartAnother(held: number, limit: number | null): boolean {
  return limit === null || held < limit;
}
