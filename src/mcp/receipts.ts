// What the work tools and my_work answer: what the agent needs for its next step, not the whole record (get_task
// has that). The budgets and bounds are in responses.ts.
import type { EvidenceRecord, InboxMessage, Task } from '../core/model.js';
import type { ClosedTask } from '../service/completion.js';
import type { BlockedTask, HeldElsewhere, MyWork } from '../service/feed.js';
import { answerSize, BOUNDS, clip, MY_WORK, noEvidenceReason, RESPONSE_BUDGETS } from './responses.js';

/** The fields of a task every receipt carries (VantagePeers agents key on taskId, status and claim). */
function base(t: Task) {
  return { taskId: t.taskId, key: t.key, missionId: t.missionId, status: t.status, claim: t.claim, ...noEvidenceReason(t) };
}

/** Fits an answer whose one long text may be cut: whole when it fits the budget, else cut until it does. */
function fitText<A>(build: (text: string | null, cut: boolean) => A, text: string | null, budget: number): A {
  const whole = build(text, false);
  if (text === null || answerSize(whole) <= budget) return whole;
  let max = text.length;
  while (max > 1) {
    const answer = build(clip(text, max), true);
    const over = answerSize(answer) - budget;
    if (over <= 0) return answer;
    max -= over;
  }
  return build(null, true);
}

/** A claimed task as the claimant needs it: what to do, what proves it done, its lease, and what comes next. */
function claimed<W extends object>(t: Task, wrap: (task: object, next: string) => W): W {
  const ci = t.requiredEvidence.some((r) => r.endsWith('@ci')) ? ' (@ci: GitHub reports it merged with green checks on its head)' : '';
  const kinds = t.requiredEvidence.length ? `${t.requiredEvidence.join(', ')}${ci}` : 'a commit, PR, test ratio or file';
  const lease = t.claim ? `Heartbeat before ${t.claim.leaseExpiresAt}: heartbeat_task {taskId, epoch: ${t.claim.epoch}}. ` : '';
  const build = (description: string | null, cut: boolean) => {
    const task = {
      ...base(t),
      title: clip(t.title, BOUNDS.claimTitle),
      description,
      ...(cut ? { descriptionChars: t.description?.length } : {}),
      priority: t.priority,
      epoch: t.epoch,
      requiredEvidence: t.requiredEvidence,
      dependsOn: t.dependsOn.slice(0, BOUNDS.dependsOnClaim),
      ...(t.dependsOn.length > BOUNDS.dependsOnClaim ? { dependsOnCount: t.dependsOn.length } : {}),
      ...(t.dueDate ? { dueDate: t.dueDate } : {}),
    };
    const next = `${lease}Finish: complete_task {taskId, completionNote, evidence} citing ${kinds}. Stuck: block_task; stopping: pause_task; handing back: release_task.${cut ? ' Whole description: get_task.' : ''}`;
    return wrap(task, next);
  };
  return fitText(build, t.description, RESPONSE_BUDGETS.claim_next_task);
}

/** claim_next_task: `{claimed, task}` (VantagePeers), and what to do next. */
export function claimNextAnswer(t: Task | null) {
  if (!t) {
    return {
      claimed: false,
      task: null,
      next: 'Nothing is ready for you now: claim_next_task {waitSeconds: 50} waits for one; my_work shows what you hold and what is blocked.',
    };
  }
  return claimed(t, (task, next) => ({ claimed: true, task, next }));
}

/** checkout_task: the claimed task with `claimed: true` beside its fields (VantagePeers). */
export function checkoutAnswer(t: Task) {
  return claimed(t, (task, next) => ({ claimed: true as const, ...task, next }));
}

/** start_task: the claimed (or resumed) task. */
export function startAnswer(t: Task) {
  return claimed(t, (task, next) => ({ ...task, next }));
}

export function heartbeatAnswer(t: Task) {
  return { ...base(t), next: `Lease until ${t.claim?.leaseExpiresAt}: heartbeat again before then; complete_task when done.` };
}

export function releaseAnswer(t: Task) {
  return { ...base(t), next: 'Handed back. claim_next_task for other work.' };
}

export function pauseAnswer(t: Task) {
  return {
    ...base(t),
    pausedReason: clip(t.pausedReason, BOUNDS.note),
    next: 'Set aside with your reason; claim it again (checkout_task) to resume. claim_next_task for other work.',
  };
}

export function blockAnswer(t: Task) {
  return {
    ...base(t),
    blockedReason: clip(t.blockedReason, BOUNDS.note),
    blockedOnTaskId: t.blockedOnTaskId,
    blockedCause: t.blockedCause,
    blockedBy: t.blockedBy,
    next: t.blockedOnTaskId
      ? 'The lease is paused. When the task it waits on is done it returns to todo by itself and you are told (check_messages); claim it again then.'
      : 'The lease is paused. Once it is unblocked, start_task resumes it. claim_next_task for other work meanwhile.',
  };
}

function evidenceLine(e: EvidenceRecord) {
  return {
    kind: e.kind,
    value: clip(e.value, BOUNDS.evidenceValue),
    verification: e.verification,
    tier: e.tier,
    ...(e.tierWhy ? { tierWhy: clip(e.tierWhy, BOUNDS.note) } : {}),
  };
}

/** After a close: what happened to the mission, and what to do next. */
function closedNext(t: ClosedTask, then: string): string {
  const moved = t.missionMoved ? ` Its mission moved ${t.missionMoved.from} → ${t.missionMoved.to}: the pilot checks the deliverables and completes it.` : '';
  return `${then}${moved}`;
}

/** complete_task: the status, the evidence now on the task, the mission's stage move if this caused one, and next. */
export function completeAnswer(t: ClosedTask) {
  const current = t.evidence.filter((e) => e.supersededBy === null);
  const then = t.status === 'review' ? 'In review: a reviewer approves it or sends it back.' : 'Done. claim_next_task for the next task.';
  const answer = (shown: number) => ({
    ...base(t),
    evidence: current.slice(0, shown).map(evidenceLine),
    ...(shown < current.length ? { evidenceCount: current.length } : {}),
    ...(t.missionMoved ? { missionMoved: t.missionMoved } : {}),
    next: closedNext(t, then),
  });
  let shown = current.length;
  while (shown > 0 && answerSize(answer(shown)) > RESPONSE_BUDGETS.complete_task) shown -= 1;
  return answer(shown);
}

export function failAnswer(t: ClosedTask) {
  return {
    ...base(t),
    ...(t.missionMoved ? { missionMoved: t.missionMoved } : {}),
    next: closedNext(t, 'Failed; its pilot is told. claim_next_task for other work.'),
  };
}

/** A task in a my_work list: enough to recognise and act on it (claim, heartbeat, review). */
function workItem(t: Task) {
  return {
    taskId: t.taskId,
    key: t.key,
    missionId: t.missionId,
    title: clip(t.title, MY_WORK.title),
    status: t.status,
    priority: t.priority,
    ...noEvidenceReason(t),
  };
}

function newestItem(m: InboxMessage) {
  return {
    id: m.id,
    seq: m.seq,
    kind: m.kind,
    from: m.from,
    ...(m.taskId ? { taskId: m.taskId } : m.missionId ? { missionId: m.missionId } : {}),
    text: clip(m.text, MY_WORK.messageText),
  };
}

const TAKEOVER = 'If that session is gone, take it over: checkout_task {taskId, takeover: true}; otherwise leave it.';

type Lists = 'claimed' | 'heldElsewhere' | 'ready' | 'reviews' | 'blocked' | 'paused';
/** The order lists give way when the answer is too big: the ready queue first (claim_next_task picks from it). */
const GIVE_WAY: readonly (Lists | 'newest')[] = ['ready', 'paused', 'reviews', 'blocked', 'newest', 'heldElsewhere', 'claimed'];

/**
 * my_work: each list's first tasks as lite items (MY_WORK.shown, or `limit`), how many each holds, the newest
 * messages cut short, and how to see the rest. Without a limit it stays within RESPONSE_BUDGETS.my_work: lists give
 * way in GIVE_WAY order.
 */
export function myWorkAnswer(work: MyWork, limit: number | undefined) {
  const items = {
    claimed: work.claimed.map((t) => ({ ...workItem(t), epoch: t.claim?.epoch, leaseExpiresAt: t.claim?.leaseExpiresAt })),
    // Instance and lease are fields of their own here, so the hint is only what to do.
    heldElsewhere: work.heldElsewhere.map((t: HeldElsewhere) => ({ ...workItem(t), instance: t.instance, leaseExpiresAt: t.leaseExpiresAt, hint: TAKEOVER })),
    ready: work.ready.map(workItem),
    reviews: work.reviews.map(workItem),
    blocked: work.blocked.map((t: BlockedTask) => ({
      ...workItem(t),
      blockedReason: clip(t.blockedReason, MY_WORK.reason),
      waitsOn: t.waitsOn && { taskId: t.waitsOn.taskId, key: t.waitsOn.key, status: t.waitsOn.status },
    })),
    paused: work.paused.map((t) => ({ ...workItem(t), pausedAt: t.pausedAt, pausedReason: clip(t.pausedReason, MY_WORK.reason) })),
    newest: work.inbox.newest.map(newestItem),
  };
  const counts = {
    claimed: work.claimed.length,
    heldElsewhere: work.heldElsewhere.length,
    ready: work.ready.length,
    reviews: work.reviews.length,
    blocked: work.blocked.length,
    paused: work.paused.length,
  };
  const shown: Record<Lists | 'newest', number> = {
    claimed: Math.min(counts.claimed, limit ?? MY_WORK.shown),
    heldElsewhere: Math.min(counts.heldElsewhere, limit ?? MY_WORK.shown),
    ready: Math.min(counts.ready, limit ?? MY_WORK.shown),
    reviews: Math.min(counts.reviews, limit ?? MY_WORK.shown),
    blocked: Math.min(counts.blocked, limit ?? MY_WORK.shown),
    paused: Math.min(counts.paused, limit ?? MY_WORK.shown),
    newest: items.newest.length,
  };
  const answer = () => {
    const hidden = (Object.keys(counts) as Lists[]).filter((k) => shown[k] < counts[k]);
    const atLeast = (n: number) => (n >= MY_WORK.window ? `${n}+` : String(n));
    const more = [
      hidden.length > 0 &&
        `Shown: ${hidden.map((k) => `${k} ${shown[k]} of ${atLeast(counts[k])}`).join(', ')}; my_work {limit: ${Math.min(MY_WORK.window, Math.max(...hidden.map((k) => counts[k])))}} lists all.`,
      counts.ready > 0 && 'claim_next_task takes the most urgent ready task.',
      work.inbox.unread > 0 && 'check_messages reads messages whole.',
    ].filter(Boolean);
    return {
      agent: work.agent,
      claimed: items.claimed.slice(0, shown.claimed),
      heldElsewhere: items.heldElsewhere.slice(0, shown.heldElsewhere),
      ready: items.ready.slice(0, shown.ready),
      reviews: items.reviews.slice(0, shown.reviews),
      blocked: items.blocked.slice(0, shown.blocked),
      paused: items.paused.slice(0, shown.paused),
      counts,
      inbox: { unread: work.inbox.unread, newest: items.newest.slice(0, shown.newest) },
      ...(more.length ? { more: more.join(' ') } : {}),
    };
  };
  if (limit !== undefined) return answer();
  for (;;) {
    const result = answer();
    if (answerSize(result) <= RESPONSE_BUDGETS.my_work) return result;
    const list = GIVE_WAY.find((k) => shown[k] > 1) ?? GIVE_WAY.find((k) => shown[k] > 0);
    if (!list) return result;
    shown[list] -= 1;
  }
}
