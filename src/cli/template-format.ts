// Human output for templates and recurring work: the step table, the dependency tree, and schedule previews.
import { localTime } from '../core/schedule.js';
import { type MissionTemplate, topologicalSteps } from '../core/template.js';
import type { RecurringTask, RecurringTaskDetail } from '../service/recurring.js';
import type { TemplateDetail, TemplateSummary } from '../service/templates.js';
import { table } from './format.js';

export function templateTable(items: readonly TemplateSummary[]): string {
  if (items.length === 0) return 'no templates';
  return table([
    ['NAME', 'VERSION', 'STEPS', 'PLACEHOLDERS', 'DESCRIPTION'],
    ...items.map((t) => [
      `${t.name}${t.isDefault ? ' *' : ''}`,
      `${t.version}${t.builtin ? ' (built-in)' : ''}`,
      String(t.stepCount),
      t.placeholders.join(', ') || '—',
      t.description ?? '',
    ]),
  ]);
}

/**
 * The steps as a tree from the steps nothing waits on: each step under the steps it depends on. A step with
 * several dependencies (a fan-in) is drawn in full under the first and referenced under the others, so every
 * edge shows and nothing repeats.
 */
export function dependencyTree(template: Pick<MissionTemplate, 'steps'>): string[] {
  const steps = topologicalSteps(template.steps);
  const children = new Map<string, string[]>(steps.map((s) => [s.key, []]));
  for (const s of steps) for (const d of s.dependsOn) children.get(d)?.push(s.key);
  const byKey = new Map(steps.map((s) => [s.key, s]));
  const drawn = new Set<string>();
  const lines: string[] = [];
  const visit = (key: string, prefix: string, branch: string) => {
    const step = byKey.get(key);
    const deps = step?.dependsOn ?? [];
    const fanIn = deps.length > 1 ? `  (after ${deps.join(' + ')})` : '';
    if (drawn.has(key)) {
      lines.push(`${prefix}${branch}${key}  ↑ drawn above${fanIn}`);
      return;
    }
    drawn.add(key);
    lines.push(`${prefix}${branch}${key}${fanIn}`);
    const kids = children.get(key) ?? [];
    const childPrefix = prefix + (branch === '' ? '' : branch === '└── ' ? '    ' : '│   ');
    kids.forEach((k, i) => {
      visit(k, childPrefix, i === kids.length - 1 ? '└── ' : '├── ');
    });
  };
  for (const s of steps.filter((x) => x.dependsOn.length === 0)) visit(s.key, '', '');
  return lines;
}

/** `sortie template show`: header, the step table in task-key order, the dependency tree, the brief. */
export function drawTemplate(t: TemplateDetail): string {
  const steps = topologicalSteps(t.steps);
  const flags = [t.builtin ? 'built-in' : `saved by ${t.createdBy}`, ...(t.isDefault ? ['default'] : []), ...(t.deletedAt ? [`deleted ${t.deletedAt}`] : [])];
  const lines = [`${t.name} v${t.version} (${flags.join(', ')})`];
  if (t.description) lines.push(t.description);
  lines.push(
    `placeholders: ${t.placeholders.length ? t.placeholders.map((p) => `{{${p}}}`).join(', ') : 'none'} (always available: {{mission}}, {{project}}, {{pilot}})`,
  );
  if (t.deliverables.length) lines.push(`deliverables: ${t.deliverables.map((d) => `${d.name} (${d.acceptedKinds.join('|')})`).join(', ')}`);
  lines.push(`versions: ${t.versions.map((v) => `${v.version}${v.builtin ? ' built-in' : ''}${v.deletedAt ? ' deleted' : ''}`).join(', ')}`);
  lines.push('');
  lines.push(
    table([
      ['TASK', 'STEP', 'OWNER', 'REQUIRES', 'AFTER', 'TITLE'],
      ...steps.map((s, i) => [`T${i}`, s.key, s.owner, s.requiredEvidence.join(', ') || 'any evidence', s.dependsOn.join(', ') || '—', s.title]),
    ]),
  );
  lines.push('', 'flow:', ...dependencyTree(t).map((l) => `  ${l}`));
  if (t.brief) lines.push('', 'brief:', ...t.brief.split('\n').map((l) => `  ${l}`));
  return lines.join('\n');
}

export function recurringTable(items: readonly RecurringTask[]): string {
  if (items.length === 0) return 'no recurring tasks';
  return table([
    ['ID', 'KIND', 'SCHEDULE', 'STATE', 'NEXT RUN', 'TITLE'],
    ...items.map((r) => [
      r.recurringTaskId,
      r.kind === 'mission' ? `mission:${r.templateName}` : 'task',
      `${r.cronExpression} ${r.timezone}`,
      r.paused ? 'paused' : r.lastError ? 'error' : 'active',
      r.nextRunAt ?? '—',
      r.title,
    ]),
  ]);
}

/** `sortie recurring show`: the definition, its next five due times in its zone, and its recent runs. */
export function drawRecurring(r: RecurringTaskDetail): string {
  const what =
    r.kind === 'mission'
      ? `mission from template ${r.templateName}${r.templateVersion ? `@${r.templateVersion}` : ''}, pilot ${r.pilot}${r.agents.length ? `, agents ${r.agents.join(', ')}` : ''}`
      : `task${r.assignedTo ? ` for ${r.assignedTo}` : ' (unassigned)'}, priority ${r.priority}`;
  const lines = [
    `${r.title}  [${r.paused ? 'paused' : 'active'}]`,
    `  id ${r.recurringTaskId} · project ${r.project} · created by ${r.createdBy}`,
    `  creates: ${what}`,
    `  schedule: "${r.cronExpression}" in ${r.timezone} · overlap ${r.overlap}`,
    `  next run: ${r.nextRunAt ? `${localTime(Date.parse(r.nextRunAt), r.timezone)} (${r.nextRunAt})` : '—'}`,
    `  last run: ${r.lastRunAt ?? '—'}`,
  ];
  if (r.lastError) lines.push(`  last error: ${r.lastError}`);
  if (Object.keys(r.context).length)
    lines.push(
      `  context: ${Object.entries(r.context)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
    );
  lines.push('', r.paused ? 'next runs: none while paused' : 'next five runs:');
  for (const at of r.upcoming) lines.push(`  ${localTime(Date.parse(at), r.timezone)}   ${at}`);
  if (r.runs.length) {
    lines.push('', 'recent runs:');
    for (const run of r.runs) {
      const instance = run.missionId ? `mission ${run.missionId}` : run.taskId ? `task ${run.taskId}` : '';
      lines.push(`  ${run.dueAt}  ${run.outcome}${instance ? `  ${instance}` : ''}${run.error ? `  ${run.error}` : ''}`);
    }
  }
  return lines.join('\n');
}
