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
  /** What had the focus when the user opened a task (a graph node, a table row): it gets it back on close. */
  let opener = null;
  /** Where the same control is found again if a reload replaced it (a selector). */
  let openerAgain = null;

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

  /**
   * The user opened a task: its heading takes the focus without the browser scrolling for it, then the page
   * scrolls only if the heading is not on screen — to the panel's top, below the sticky top bar (scroll-padding).
   */
  function focusHeading() {
    const heading = el.querySelector('#detail-h');
    if (!heading) return;
    heading.focus({ preventScroll: true });
    const r = heading.getBoundingClientRect();
    const bar = document.querySelector('.topbar');
    const covered = bar && getComputedStyle(bar).position === 'sticky' ? bar.getBoundingClientRect().bottom : 0;
    if (r.top < covered || r.bottom > window.innerHeight) el.scrollIntoView({ block: 'start' });
  }

  /** Closed by the user while the focus was in the panel: back to what opened it (found again if a reload replaced it). */
  function restoreFocus() {
    const target = opener?.isConnected ? opener : openerAgain && document.querySelector(openerAgain);
    opener = null;
    openerAgain = null;
    target?.focus();
  }

  /** Draws the selected task (or hides the panel); an answer for a task no longer selected is dropped. */
  async function draw(fromUser = false) {
    const id = page.selected();
    if (!id) {
      const hadFocus = el.contains(document.activeElement);
      el.hidden = true;
      clear(el);
      if (fromUser && (hadFocus || document.activeElement === document.body)) restoreFocus();
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
    // A redraw (a live reload) must not drop the focus of someone reading the panel.
    const keepFocus = el.contains(document.activeElement);
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
        h('h2', { id: 'detail-h', tabindex: '-1' }, `${t.key ? `${t.key} · ` : ''}${t.title}`),
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
    if (fromUser) focusHeading();
    else if (keepFocus) el.querySelector('#detail-h')?.focus({ preventScroll: true });
  }

  return {
    el,
    /** After a load the open task is read again (its lease, notes and events moved on too). */
    async update() {
      if (page.selected()) await draw();
    },
    /** Opened or closed by the user (`fromUser`): the focus follows; from a link or a reload, it stays put. */
    select(id, fromUser) {
      if (fromUser && id) {
        const active = document.activeElement;
        if (active && active !== document.body && !el.contains(active)) {
          opener = active;
          const task = active.closest?.('[data-task-id]')?.dataset.taskId;
          const where = active.closest?.('.graph') ? '.graph .node' : 'tr';
          openerAgain = task ? `${where}[data-task-id="${CSS.escape(task)}"]${where === 'tr' ? ' button' : ''}` : null;
        }
      }
      draw(Boolean(fromUser)).catch((error) => page.ctx.handleError(error));
    },
    unmount() {
      mounted = false;
    },
  };
}
