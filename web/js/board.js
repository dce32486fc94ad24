// The board: missions in columns by stage, each card with both progress figures, task counts and warnings.
import { query } from './api.js';
import { fill, h, plural, priorityTag, progressBar, STATUS_LABEL, shortDate, TASK_STATUSES, warningBadges } from './dom.js';

function signature(m) {
  return JSON.stringify([m.status, m.progress, m.computedProgress, m.taskCounts, m.warnings, m.name, m.priority, m.targetDate]);
}

function card(m, stalledMinutes) {
  const titleId = `m-${m.missionId}`;
  const counts = TASK_STATUSES.filter((s) => m.taskCounts[s] > 0).map((s) =>
    h('span', { class: 'chip', dataset: { count: s }, title: STATUS_LABEL[s] }, `${m.taskCounts[s]} ${STATUS_LABEL[s].toLowerCase()}`),
  );
  return h(
    'li',
    {},
    h(
      'article',
      { class: 'card', dataset: { missionId: m.missionId, status: m.status }, 'aria-labelledby': titleId },
      h(
        'div',
        { class: 'card-top' },
        h('a', { class: 'card-title', id: titleId, href: `#/missions/${encodeURIComponent(m.missionId)}` }, m.name),
        priorityTag(m.priority),
      ),
      h('div', { class: 'card-meta' }, h('span', { title: 'Project' }, m.project), h('span', { title: 'Pilot' }, `pilot ${m.pilot}`)),
      h('div', { class: 'bars' }, progressBar('Reported', m.progress, 'reported'), progressBar('Computed', m.computedProgress, 'computed')),
      h(
        'div',
        { class: 'counts', 'aria-label': `${plural(m.taskCounts.total, 'task')}` },
        counts.length ? counts : h('span', { class: 'muted' }, 'no tasks yet'),
      ),
      h(
        'div',
        { class: 'card-foot' },
        m.targetDate ? h('span', { title: 'Target date' }, `Target ${shortDate(m.targetDate)}`) : null,
        h('span', { class: 'warnings' }, warningBadges(m.warnings, stalledMinutes)),
      ),
    ),
  );
}

/** A phone-wide window, where the columns stack (web/app.css, same width). */
const PHONE = '(max-width: 640px)';

/**
 * Stacked on a phone, the columns come in the order of the work being done: the open stages latest first (validate,
 * execute, then plan and brainstorm), then the closed ones — so the active missions are on the first screen.
 */
function phoneOrder(columns, openStatuses) {
  const rank = (status) => {
    const i = openStatuses.indexOf(status);
    return i >= 0 ? openStatuses.length - 1 - i : openStatuses.length + columns.findIndex((c) => c.status === status);
  };
  return [...columns].sort((a, b) => rank(a.status) - rank(b.status));
}

function select(label, name, value, options) {
  return h(
    'label',
    { class: 'field' },
    label,
    h(
      'select',
      { name, dataset: { filter: name } },
      h('option', { value: '' }, 'All'),
      options.map((o) => h('option', { value: o, selected: o === value }, o)),
    ),
  );
}

/**
 * @param {import('./view.js').ViewContext} ctx
 * @returns {import('./view.js').View}
 */
export function boardView(ctx) {
  let container = null;
  let params = new URLSearchParams();
  const seen = new Map();
  const phone = matchMedia(PHONE);
  /** The last board drawn, drawn again in the other order when the window crosses the phone width. */
  let last = null;
  const onWidth = () => {
    if (container && last) render(last.board, last.meta);
  };

  function filters() {
    return { project: params.get('project') || undefined, pilot: params.get('pilot') || undefined, cancelled: params.get('cancelled') === '1' };
  }

  function setFilter(name, value) {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    const qs = next.toString();
    location.hash = `#/${qs ? `?${qs}` : ''}`;
  }

  function render(board, meta) {
    last = { board, meta };
    const f = filters();
    const focusedMission = document.activeElement?.closest?.('.card')?.dataset.missionId;
    const focusedFilter = document.activeElement?.dataset?.filter;
    const toolbar = h(
      'div',
      { class: 'toolbar', role: 'search', 'aria-label': 'Filter missions' },
      select('Project', 'project', f.project, board.options.projects),
      select('Pilot', 'pilot', f.pilot, board.options.pilots),
      h(
        'label',
        { class: 'check' },
        h('input', { type: 'checkbox', name: 'cancelled', dataset: { filter: 'cancelled' }, checked: f.cancelled }),
        'Show cancelled',
      ),
    );
    let missions = 0;
    let openTasks = 0;
    let warned = 0;
    const ordered = phone.matches ? phoneOrder(board.columns, meta.missionStatuses.open) : board.columns;
    const columns = ordered.map((col) => {
      const headId = `col-${col.status}`;
      missions += col.missions.length;
      for (const m of col.missions) {
        if (meta.missionStatuses.open.includes(m.status)) for (const s of meta.taskStatuses.open) openTasks += m.taskCounts[s];
        const w = m.warnings;
        if (w.overdue || w.failed || w.expiredLeases || w.stalled || w.overdueTasks) warned += 1;
      }
      return h(
        'section',
        { class: 'column', dataset: { status: col.status }, 'aria-labelledby': headId },
        h(
          'div',
          { class: 'column-head' },
          h('span', { class: 'swatch', 'aria-hidden': 'true' }),
          h('h2', { id: headId }, STATUS_LABEL[col.status]),
          h('span', { class: 'count', 'aria-label': plural(col.total, 'mission') }, String(col.total)),
        ),
        col.missions.length
          ? h(
              'ol',
              {},
              col.missions.map((m) => card(m, board.stalledMinutes)),
            )
          : h('ol', {}, h('li', { class: 'empty-col' }, 'No missions')),
        col.total > col.missions.length ? h('p', { class: 'more' }, `Showing the ${col.missions.length} most recent of ${col.total}`) : null,
      );
    });
    toolbar.append(
      h(
        'span',
        { class: 'summary', role: 'status' },
        `${plural(missions, 'mission')} · ${plural(openTasks, 'open task')} · ${plural(warned, 'mission')} with warnings`,
      ),
    );
    const boardEl = h('div', { class: 'board' }, columns);
    fill(container, h('h1', { class: 'visually-hidden' }, 'Mission board'), toolbar, boardEl);

    for (const el of toolbar.querySelectorAll('[data-filter]')) {
      el.addEventListener('change', () => setFilter(el.dataset.filter, el.type === 'checkbox' ? (el.checked ? '1' : '') : el.value));
    }
    // Cards whose figures changed since the last render flash once, so a live change is noticed.
    for (const col of board.columns) {
      for (const m of col.missions) {
        const sig = signature(m);
        const before = seen.get(m.missionId);
        if (before !== undefined && before !== sig) container.querySelector(`.card[data-mission-id="${CSS.escape(m.missionId)}"]`)?.classList.add('changed');
        seen.set(m.missionId, sig);
      }
    }
    if (focusedFilter) toolbar.querySelector(`[data-filter="${focusedFilter}"]`)?.focus();
    if (focusedMission) container.querySelector(`.card[data-mission-id="${CSS.escape(focusedMission)}"] .card-title`)?.focus();
  }

  async function load() {
    const f = filters();
    const [board, meta] = await Promise.all([ctx.getJson(`/api/board${query({ project: f.project, pilot: f.pilot, cancelled: f.cancelled })}`), ctx.meta()]);
    if (!container) return;
    render(board, meta);
    ctx.follow(board.lastSeq);
  }

  return {
    title: () => 'Board',
    async mount(el, route) {
      container = el;
      params = route.params;
      phone.addEventListener('change', onWidth);
      container.append(h('p', { class: 'loading' }, 'Loading the board…'));
      await load();
    },
    async update(route) {
      params = route.params;
      await load();
      return true;
    },
    relevant: () => true,
    refresh: load,
    unmount() {
      phone.removeEventListener('change', onWidth);
      container = null;
    },
  };
}
