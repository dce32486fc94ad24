// The mission page's task panel: the selected task's facts, notes, evidence and recent events, read from the API.
import { ApiError } from '../api.js';
import { clear, dateTime, fill, h, leaseLabel, priorityTag, statusPill, timeAgo } from '../dom.js';
import { timelineItem } from '../timeline.js';
import { evidenceItem } from './evidence.js';

/**
 * @param {{ ctx: import('../view.js').ViewContext, selected: () => string | null, selectTask: (id: string | null, fromUser: boolean) => void,
 *   label: (id: string, details?: object) => string }} page
 * @returns {import('../view.js').Panel}
 */
export function taskDetailPanel(page) {
  const el = h('section', { class: 'panel detail', 'aria-labelledby': 'detail-h', hidden: true });
  let mounted = true;

  function facts(t, deps) {
    return h(
      'dl',
      {},
      h('dt', {}, 'Status'),
      h('dd', {}, statusPill(t.status, t.status === 'todo' && t.ready ? 'Ready' : undefined)),
      h('dt', {}, 'Held by'),
      h('dd', {}, t.claim ? `${t.claim.claimedBy}${t.claim.claimedByInstance ? ` (${t.claim.claimedByInstance})` : ''}` : '—'),
      h('dt', {}, 'Lease'),
      h('dd', {}, t.claim ? leaseLabel(t.claim.leaseExpiresAt) : '—'),
      h('dt', {}, 'Assigned to'),
      h('dd', {}, t.assignedTo ?? 'anyone in the mission'),
      h('dt', {}, 'Priority'),
      h('dd', {}, priorityTag(t.priority)),
      h('dt', {}, 'Depends on'),
      h('dd', {}, deps.length ? deps.flatMap((b, i) => (i ? [', ', b] : [b])) : '—'),
      t.dueDate ? [h('dt', {}, 'Due'), h('dd', {}, dateTime(t.dueDate))] : null,
      t.startedAt ? [h('dt', {}, 'Started'), h('dd', {}, timeAgo(t.startedAt))] : null,
      t.completedAt ? [h('dt', {}, 'Closed'), h('dd', {}, timeAgo(t.completedAt))] : null,
      h('dt', {}, 'Id'),
      h('dd', { class: 'mono' }, t.taskId),
    );
  }

  /** Draws the selected task (or hides the panel); an answer for a task no longer selected is dropped. */
  async function draw() {
    const id = page.selected();
    if (!id) {
      el.hidden = true;
      clear(el);
      return;
    }
    let detail;
    try {
      detail = await page.ctx.getJson(`/api/tasks/${encodeURIComponent(id)}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        page.selectTask(null, true);
        return;
      }
      throw error;
    }
    if (page.selected() !== id || !mounted) return;
    const t = detail.task;
    const deps = t.dependsOn.map((d) => h('button', { class: 'linkish', type: 'button', on: { click: () => page.selectTask(d, true) } }, page.label(d)));
    const notes = [
      ['Description', t.description],
      ['Completion note', t.completionNote],
      ['Failure', t.failureNote],
      ['Blocked', t.blockedReason],
      ['Cancelled', t.cancelReason],
      ['No evidence because', t.allowNoEvidence],
    ].filter(([, v]) => v);
    fill(
      el,
      h(
        'header',
        {},
        h('h2', { id: 'detail-h' }, `${t.key ? `${t.key} · ` : ''}${t.title}`),
        h(
          'div',
          { class: 'end' },
          h('button', { class: 'btn icon', type: 'button', 'aria-label': 'Close task details', on: { click: () => page.selectTask(null, true) } }, '×'),
        ),
      ),
      h(
        'div',
        { class: 'body' },
        facts(t, deps),
        notes.map(([k, v]) => [h('h3', {}, k), h('div', { class: 'text' }, v)]),
        h('h3', {}, 'Evidence'),
        t.evidence.length ? h('ul', { class: 'evidence' }, t.evidence.map(evidenceItem)) : h('p', { class: 'muted' }, 'None yet.'),
        h('h3', {}, 'Recent events'),
        detail.timeline.events.length
          ? h(
              'ol',
              { class: 'timeline' },
              detail.timeline.events.map((e) => timelineItem(e, page.label)),
            )
          : h('p', { class: 'muted' }, 'None.'),
      ),
    );
    el.hidden = false;
  }

  return {
    el,
    /** After a load the open task is read again (its lease, notes and events moved on too). */
    async update() {
      if (page.selected()) await draw();
    },
    select() {
      draw().catch((error) => page.ctx.handleError(error));
    },
    unmount() {
      mounted = false;
    },
  };
}
