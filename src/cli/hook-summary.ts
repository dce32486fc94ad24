// What the Claude Code hooks say, as pure functions of an agent's my_work: the session-start summary (added to the
// agent's context) and the Stop hook's reminder or refusal. The work comes from the service (a database file) or
// from the my_work tool of a Sortie server, so it is read here loosely: only the fields these texts use.
import { z } from 'zod';

const Claim = z.looseObject({ leaseExpiresAt: z.string().nullish(), claimedByInstance: z.string().nullish() }).nullish();
const WorkTask = z.looseObject({
  taskId: z.string(),
  key: z.string().nullish(),
  title: z.string(),
  missionId: z.string().nullish(),
  status: z.string().nullish(),
  claim: Claim,
  // The my_work tool gives a claimed task's lease as its own field; the service gives the claim.
  leaseExpiresAt: z.string().nullish(),
  // A paused task keeps its claim but is not in progress (pause_task, issue 12): no reminder for it.
  pausedAt: z.string().nullish(),
});
const WaitsOn = z.looseObject({ taskId: z.string(), key: z.string().nullish(), title: z.string().nullish(), status: z.string().nullish() }).nullish();

/** The fields of my_work the hooks read (the service's MyWork and the tool's output both have them). */
export const WorkView = z.looseObject({
  agent: z.string(),
  claimed: z.array(WorkTask).default([]),
  heldElsewhere: z.array(WorkTask.extend({ instance: z.string().nullish(), leaseExpiresAt: z.string().nullish() })).default([]),
  ready: z.array(WorkTask).default([]),
  reviews: z.array(WorkTask).default([]),
  blocked: z.array(WorkTask.extend({ waitsOn: WaitsOn, blockedReason: z.string().nullish() })).default([]),
  inbox: z.looseObject({ unread: z.number() }).default({ unread: 0 }),
});
export type WorkView = z.infer<typeof WorkView>;
type Task = z.infer<typeof WorkTask>;

/** How many ready tasks the summary names (the count says the rest). */
const READY_SHOWN = 3;
/** How many tasks my_work is asked for per list: enough to count "20+" without reading a whole backlog. */
export const WORK_LIMIT = 20;

function label(t: { key?: string | null; title?: string | null; taskId: string }): string {
  const title = (t.title ?? '').replace(/\s+/g, ' ').slice(0, 80);
  return `${t.key ? `${t.key} ` : ''}"${title}" (${t.taskId})`;
}

function isPaused(t: Task): boolean {
  return Boolean(t.pausedAt) || t.status === 'paused';
}

interface Held {
  task: Task;
  /** The instance (session) holding it; null: the agent's default instance (the CLI's). */
  instance: string | null;
  leaseExpiresAt: string | null | undefined;
}

/** Every task the agent holds in progress, through any of its instances (sessions). */
export function heldInProgress(work: WorkView): Held[] {
  const mine = work.claimed.map((task) => ({
    task,
    instance: task.claim?.claimedByInstance ?? null,
    leaseExpiresAt: task.claim?.leaseExpiresAt ?? task.leaseExpiresAt,
  }));
  const elsewhere = work.heldElsewhere.map((task) => ({
    task,
    instance: task.instance ?? task.claim?.claimedByInstance ?? null,
    leaseExpiresAt: task.leaseExpiresAt ?? task.claim?.leaseExpiresAt,
  }));
  return [...mine, ...elsewhere].filter((h) => !isPaused(h.task) && (h.task.status ?? 'in_progress') === 'in_progress');
}

function count(n: number, limit: number): string {
  return n >= limit ? `${n}+` : String(n);
}

/** The session-start summary: a few lines the agent reads before its first turn. `wait` is how to run `sortie wait`. */
export function sessionSummary(work: WorkView, wait: string): string {
  const lines = [`Sortie: you are agent ${work.agent}. Your work (my_work):`];
  const held = heldInProgress(work);
  if (held.length) {
    lines.push(`- Holding ${held.length} task${held.length === 1 ? '' : 's'} in progress:`);
    for (const h of held) {
      const lease = h.leaseExpiresAt ? `, lease until ${h.leaseExpiresAt}` : '';
      lines.push(`  ${label(h.task)}${lease}, claimed by ${h.instance ? `session ${h.instance}` : 'your default instance'}.`);
    }
    // A new session is a new instance (sortie mcp names one per process): the claims are the earlier session's.
    lines.push('  A claim belongs to the session that took it: if that session is over, continue with checkout_task {taskId, takeover: true},');
    lines.push('  keep the lease with heartbeat_task, and finish with complete_task citing evidence (commit, PR, test ratio, file).');
  } else {
    lines.push('- Holding no task.');
  }
  if (work.ready.length) {
    const shown = work.ready.slice(0, READY_SHOWN).map(label).join(', ');
    const more = work.ready.length > READY_SHOWN ? ', …' : '';
    lines.push(`- Ready for you: ${count(work.ready.length, WORK_LIMIT)} (${shown}${more}). claim_next_task takes the best one.`);
  } else {
    lines.push(`- Nothing ready for you. When idle, run in the background: ${wait}`);
  }
  for (const b of work.blocked.slice(0, READY_SHOWN)) {
    const on = b.waitsOn
      ? `waits on ${label({ ...b.waitsOn, title: b.waitsOn.title ?? '' })} [${b.waitsOn.status ?? '?'}]`
      : `blocked: ${(b.blockedReason ?? '').slice(0, 80)}`;
    lines.push(`- Blocked: ${label(b)} ${on}.`);
  }
  if (work.blocked.length > READY_SHOWN) lines.push(`- …and ${count(work.blocked.length, WORK_LIMIT)} blocked in all.`);
  if (work.reviews.length) lines.push(`- Reviews waiting on you: ${count(work.reviews.length, WORK_LIMIT)}.`);
  lines.push(work.inbox.unread ? `- Unread messages: ${work.inbox.unread}. Read them with check_messages.` : '- No unread messages.');
  return `${lines.join('\n')}\n`;
}

/** What to do with a held task before stopping, as the Stop hook says it. */
const BEFORE_STOPPING =
  'complete_task citing evidence if it is done; release_task to hand it back; block_task with blockedOnTaskId if it waits on another task; pause_task if you must stop mid-way';

/** The Stop hook's words about the tasks still held. */
export function stopText(agent: string, held: Held[]): string {
  const tasks = held.map((h) => label(h.task)).join(', ');
  const one = held.length === 1;
  return `Sortie: agent ${agent} still holds ${held.length} task${one ? '' : 's'} in progress: ${tasks}. Before stopping, for ${one ? 'it' : 'each'}: ${BEFORE_STOPPING}.`;
}
