// Event timeline entries in words: who did what to which task, coloured by what kind of step it was.
import { h, STATUS_LABEL, timeAgo } from './dom.js';

const TONE = {
  'task.completed': 'good',
  'mission.evidence_added': 'good',
  'task.failed': 'bad',
  'task.lease_expired': 'bad',
  'task.cancelled': 'bad',
  'task.review_rejected': 'bad',
  'task.claimed': 'work',
  'task.heartbeat': 'work',
  'task.review_requested': 'work',
  'mission.status_changed': 'stage',
  'mission.progress': 'stage',
};

function stage(s) {
  return STATUS_LABEL[s] ?? s;
}

function quoted(text) {
  return text ? ` — “${String(text).slice(0, 200)}”` : '';
}

/** One event as a sentence; `label(taskId)` names a task (its T-key, else its id). */
export function describe(e, label) {
  const d = e.details ?? {};
  const t = e.taskId ? label(e.taskId, d) : '';
  switch (e.kind) {
    case 'mission.created':
      return `created the mission${d.template ? ` from template ${d.template}` : ''}`;
    case 'mission.status_changed':
      return `${d.auto ? 'moved automatically' : 'moved the mission'} ${stage(d.from)} → ${stage(d.to)}${quoted(d.reason)}`;
    case 'mission.progress':
      return `reported progress ${d.from ?? '—'}% → ${d.to}%${quoted(d.note)}`;
    case 'mission.updated':
      return `edited ${(d.fields ?? []).join(', ') || 'the mission'}`;
    case 'mission.evidence_added':
      return `added evidence ${(d.items ?? []).map((i) => `${i.kind} ${i.value}${i.deliverable ? ` (${i.deliverable})` : ''}`).join(', ')}`;
    case 'task.created':
      return `created ${t}${d.title ? ` “${d.title}”` : ''}`;
    case 'task.claimed':
      return `claimed ${t}`;
    case 'task.heartbeat':
      return `renewed the lease on ${t}`;
    case 'task.released':
      return `released ${t}${quoted(d.reason)}`;
    case 'task.lease_expired':
      return `lease on ${t} expired; back to the queue`;
    case 'task.completed':
      return `completed ${t}`;
    case 'task.review_requested':
      return `sent ${t} to review`;
    case 'task.review_rejected':
      return `returned ${t} from review${quoted(d.reason)}`;
    case 'task.blocked':
      return `blocked ${t}${quoted(d.reason)}`;
    case 'task.unblocked':
      return `unblocked ${t}`;
    case 'task.failed':
      return `failed ${t}${quoted(d.failureNote)}`;
    case 'task.cancelled':
      return `cancelled ${t}${quoted(d.reason)}`;
    case 'task.reopened':
      return `reopened ${t}${quoted(d.reason)}`;
    case 'task.updated':
      return `edited ${t} (${(d.fields ?? []).join(', ')})`;
    case 'task.dependency_added':
      return `made ${t} depend on ${(d.dependsOn ?? []).map((id) => label(id, {})).join(', ')}`;
    case 'task.dependency_removed':
      return `removed dependencies of ${t}`;
    case 'task.deleted':
      return `deleted ${d.key ?? t}${d.title ? ` “${d.title}”` : ''}`;
    case 'github.issue_opened':
      return `started the mission from issue ${d.repo}#${d.issue}${d.author ? ` by @${d.author}` : ''}`;
    case 'github.issue_changed':
      return `issue ${d.repo}#${d.issue} ${d.action}: the mission is ${stage(d.missionStatus)}${quoted(d.why)}`;
    case 'github.ci_changed':
    case 'evidence.ci_changed':
      return `CI of ${d.ref}: ${d.from} → ${d.to}${quoted(d.why)}`;
    case 'github.linked':
    case 'github.relinked':
      return `linked ${d.repo}: its issues become ${d.template} missions piloted by ${d.pilot}`;
    case 'github.unlinked':
      return `unlinked ${d.repo}`;
    default:
      return `${e.kind}${t ? ` ${t}` : ''}`;
  }
}

/** How an entry is coloured: by its kind, and a CI verdict by where it went. */
function toneOf(e) {
  if (e.kind === 'github.ci_changed' || e.kind === 'evidence.ci_changed') return e.details?.to === 'ci' ? 'good' : e.details?.to === 'failed' ? 'bad' : 'work';
  return TONE[e.kind] ?? 'plain';
}

export function timelineItem(e, label) {
  return h(
    'li',
    { dataset: { tone: toneOf(e), seq: e.seq, kind: e.kind } },
    h('div', {}, h('div', { class: 'what' }, h('strong', {}, e.actor), ' ', describe(e, label)), h('div', { class: 'when' }, timeAgo(e.at), ` · #${e.seq}`)),
  );
}
