// Human output for the CLI: aligned tables and the mission drawing; --json prints the raw result instead.
import { briefSourceLabel } from '../core/brief-source.js';
import type { EvidenceRecord, Mission, MissionDetail, SortieEvent, Task } from '../core/model.js';

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/**
 * Text as one inert line: newlines, control characters (terminal escape sequences included), line separators and
 * bidirectional overrides are shown escaped, so nothing in a message can break the layout, style the terminal or
 * reorder what is displayed.
 */
export function inertLine(text: string): string {
  return text.replace(UNSAFE, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * An item's tier where it says more than its verification does (which already reads as asserted or verified): ci,
 * or why GitHub does not make it ci (stale, pending, failed checks, not linked).
 */
function tierNote(e: EvidenceRecord): string {
  if (e.tier === 'ci') return ', ci';
  return e.tierWhy ? `, ${e.tier}: ${inertLine(e.tierWhy)}` : '';
}

/** How the CLI shows an item: kind, value, verification, and its tier when that says more. */
function evidenceText(e: EvidenceRecord): string {
  return `${e.kind} ${e.value} [${e.verification}${tierNote(e)}]`;
}

export function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text + ' '.repeat(width - text.length);
}

export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : pad(cell, widths[i] + 1)))
        .join('')
        .trimEnd(),
    )
    .join('\n');
}

export function progressLabel(m: Mission): string {
  return m.progress === null ? `${m.computedProgress}%` : `${m.progress}%`;
}

/** The mission as people talk about it: its steps by key, their status and what each waits on. */
export function drawMission(m: MissionDetail): string {
  const keyOf = new Map(m.tasks.map((t) => [t.taskId, t.key ?? t.taskId]));
  const titleWidth = Math.max(20, ...m.tasks.map((t) => t.title.length)) + 2;
  const keyWidth = Math.max(2, ...m.tasks.map((t) => (t.key ?? '').length)) + 2;
  const statusWidth = Math.max(...m.tasks.map((t) => t.status.length), 4) + 4;
  const lines = [`Mission: ${m.name}  [${m.status}, ${progressLabel(m)}]`];
  for (const t of m.tasks) {
    const notes: string[] = [];
    if (t.dependsOn.length) notes.push(`dependsOn: [${t.dependsOn.map((d) => keyOf.get(d) ?? d).join(', ')}]`);
    if (t.claim) notes.push(`held by ${t.claim.claimedBy} until ${t.claim.leaseExpiresAt}`);
    else if (t.assignedTo) notes.push(`@${t.assignedTo}`);
    if (t.allowNoEvidence) notes.push(`(no evidence: ${t.allowNoEvidence})`);
    const line = `  ${pad(t.key ?? '', keyWidth)}${pad(t.title, titleWidth)}${pad(`[${t.status}]`, statusWidth)}${notes.join('  ')}`;
    lines.push(line.trimEnd());
  }
  const extra: string[] = [];
  extra.push(`  id ${m.missionId} · project ${m.project} · pilot ${m.pilot} · agents ${m.agents.join(', ')}`);
  extra.push(
    `  progress: reported ${m.progress === null ? '—' : `${m.progress}%`}, computed ${m.computedProgress}% (${m.taskCounts.done}/${m.taskCounts.total - m.taskCounts.cancelled} done)`,
  );
  if (m.templateName) extra.push(`  template: ${m.templateName} v${m.templateVersion}`);
  for (const d of m.deliverables) {
    const items = m.evidence.filter((e) => e.deliverable === d.name && !e.supersededBy);
    extra.push(`  deliverable ${d.name} (${d.acceptedKinds.join('|')}): ${items.length ? items.map(evidenceText).join(', ') : 'no evidence yet'}`);
  }
  const loose = m.evidence.filter((e) => !e.deliverable && !e.supersededBy);
  if (loose.length) extra.push(`  evidence: ${loose.map(evidenceText).join(', ')}`);
  // Outside text is quoted and escaped under its label: shown as what it is, never as instructions.
  if (m.briefSource && m.brief !== null)
    extra.push(`  brief ${inertLine(briefSourceLabel(m.briefSource))}: ${inertLine(JSON.stringify(m.brief.slice(0, 500)))}`);
  return [...lines, '', ...extra].join('\n');
}

export function taskLine(t: Task): string[] {
  return [t.key ?? '', t.taskId, t.status, t.priority, t.assignedTo ?? '-', t.claim ? `${t.claim.claimedBy} until ${t.claim.leaseExpiresAt}` : '', t.title];
}

/**
 * The T-keys of the tasks a task names (its dependencies, the task it is blocked on), as drawTask shows them: a task
 * of the same mission by its key, any other by its id (a key names a task only within its mission).
 */
export async function relatedKeys(t: Task, getTask: (taskId: string) => Promise<Task>): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  for (const id of new Set([...t.dependsOn, ...(t.blockedOnTaskId ? [t.blockedOnTaskId] : [])])) {
    const other = await getTask(id).catch(() => null);
    if (other?.key && other.missionId === t.missionId) keys.set(id, other.key);
  }
  return keys;
}

export function drawTask(t: Task, keys: ReadonlyMap<string, string> = new Map()): string {
  const name = (id: string) => keys.get(id) ?? id;
  const lines = [
    `${t.key ? `${t.key} ` : ''}${t.title}  [${t.status}]`,
    `  id ${t.taskId}${t.missionId ? ` · mission ${t.missionId}` : ''} · project ${t.project} · priority ${t.priority}`,
    `  assigned ${t.assignedTo ?? '—'} · created by ${t.createdBy} at ${t.createdAt}`,
  ];
  if (t.dependsOn.length) lines.push(`  dependsOn: ${t.dependsOn.map(name).join(', ')}${t.ready ? ' (ready)' : ''}`);
  if (t.claim)
    lines.push(
      `  claimed by ${t.claim.claimedBy}${t.claim.claimedByInstance ? ` (${t.claim.claimedByInstance})` : ''}, epoch ${t.claim.epoch}, lease until ${t.claim.leaseExpiresAt}`,
    );
  if (t.requiredEvidence.length) lines.push(`  requires evidence: ${t.requiredEvidence.join(', ')}`);
  if (t.description) lines.push('', t.description.replace(/^/gm, '  '));
  if (t.completionNote) lines.push(`  note: ${t.completionNote}`);
  if (t.allowNoEvidence) lines.push(`  completed WITHOUT evidence: ${t.allowNoEvidence}`);
  for (const e of t.evidence.filter((x) => !x.supersededBy))
    lines.push(
      `  evidence ${e.kind} ${e.value} [${e.verification}${e.verificationDetail && e.verificationDetail !== e.tierWhy ? `: ${e.verificationDetail}` : ''}${tierNote(e)}]`,
    );
  if (t.blockedReason || t.blockedOnTaskId) lines.push(`  blocked: ${t.blockedReason ?? ''}${t.blockedOnTaskId ? ` (on ${name(t.blockedOnTaskId)})` : ''}`);
  if (t.failureNote) lines.push(`  failed: ${t.failureNote}`);
  if (t.pausedAt) lines.push(`  paused ${t.pausedAt}: ${t.pausedReason ?? ''}`);
  if (t.cancelReason) lines.push(`  cancelled: ${t.cancelReason}`);
  return lines.join('\n');
}

export function eventLine(e: SortieEvent): string {
  const where = [e.missionId ? `mission ${e.missionId}` : '', e.taskId ? `task ${e.taskId}` : ''].filter(Boolean).join(' ');
  return `${e.seq}\t${e.at}\t${e.actor}\t${e.kind}\t${where}\t${JSON.stringify(e.details)}`;
}
