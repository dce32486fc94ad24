// The mission page: header with both progress figures and the pilot's actions, the dependency graph, the task
// table, the task panel, the brief, deliverables with their evidence, and the event timeline.
import { ApiError, postJson, query } from './api.js';
import {
  clear,
  dateTime,
  externalLink,
  fill,
  h,
  leaseLabel,
  plural,
  priorityTag,
  progressBar,
  STATUS_LABEL,
  shortDate,
  statusPill,
  timeAgo,
  toast,
  warningBadges,
} from './dom.js';
import { GraphView } from './graph.js';
import { renderMarkdown } from './markdown.js';
import { timelineItem } from './timeline.js';

function bars(m) {
  return h('div', { class: 'bars' }, progressBar('Reported', m.progress, 'reported'), progressBar('Computed', m.computedProgress, 'computed'));
}

function warnings(w, stalledMinutes) {
  const out = warningBadges(w, stalledMinutes);
  return out.length ? h('div', { class: 'warnings' }, out) : null;
}

function fact(label, value) {
  return h('div', {}, h('dt', {}, label), h('dd', {}, value ?? '—'));
}

function evidenceItem(e) {
  const value = e.link ? externalLink(e.link, e.value) : h('span', { class: 'mono' }, e.value);
  return h(
    'li',
    { class: e.supersededBy ? 'superseded' : null, dataset: { evidenceId: e.id } },
    h('span', { class: 'kind' }, e.kind.replace('_', ' ')),
    value,
    h('span', { class: ['badge', e.verification], title: e.verificationDetail ?? `Verification: ${e.verification}` }, e.verification),
    e.note ? h('span', { class: 'muted' }, e.note) : null,
  );
}

function errorBox(error) {
  return h('div', { class: 'form-error', role: 'alert' }, error.message, error.hint ? h('span', { class: 'hint' }, error.hint) : null);
}

export function missionView(ctx) {
  let container = null;
  let missionId = null;
  let page = null;
  let selected = null;
  let graph = null;
  let showHeartbeats = false;
  let forceActions = false;
  /** The brief as last rendered: markdown is parsed again only when it changes. */
  let renderedBrief = null;
  /** Every timeline event seen (page loads, live events, older pages), by seq: the list never has a gap. */
  const events = new Map();
  /** Where the next older page starts; null when the oldest event is loaded. */
  let olderBefore = null;
  const regions = {};

  const label = (id, details) => {
    const t = page?.mission.tasks.find((x) => x.taskId === id);
    return t?.key ?? details?.key ?? `task ${id.slice(-6)}`;
  };

  function skeleton() {
    regions.head = h('section', { class: 'panel mission-head', 'aria-label': 'Mission' });
    const wrap = h('div', { class: 'graph-wrap', tabindex: '0', 'aria-label': 'Dependency graph. Arrow keys pan, plus and minus zoom, 0 fits.' });
    const zoomLabel = h('span', { class: 'zoom-level', 'aria-live': 'off' }, '100%');
    regions.graphMeta = h('span', { class: 'muted' });
    graph = new GraphView(wrap, {
      onSelect: (id) => selectTask(id, true),
      onZoom: (k) => {
        zoomLabel.textContent = `${Math.round(k * 100)}%`;
      },
    });
    regions.graphWrap = wrap;
    regions.graphEmpty = h('p', { class: 'graph-empty', hidden: true }, 'No tasks to draw yet.');
    wrap.append(regions.graphEmpty);
    const legend = h(
      'div',
      { class: 'graph-legend', 'aria-hidden': 'true' },
      ['todo', 'ready', 'in_progress', 'review', 'blocked', 'done', 'failed', 'cancelled'].map((st) =>
        // "Ready" is a todo task whose dependencies are met, coloured as the graph colours it.
        st === 'ready'
          ? h('span', { class: 'legend-item' }, h('i', { class: 'ready', dataset: { status: 'todo' } }), 'Ready')
          : h('span', { class: 'legend-item' }, h('i', { dataset: { status: st } }), STATUS_LABEL[st]),
      ),
      h('span', { class: 'legend-item' }, h('i', { class: 'crit' }), 'Critical path'),
    );
    const graphPanel = h(
      'section',
      { class: 'panel', 'aria-labelledby': 'graph-h' },
      h(
        'header',
        {},
        h('h2', { id: 'graph-h' }, 'Dependency graph'),
        regions.graphMeta,
        h(
          'div',
          { class: 'end' },
          zoomLabel,
          h('button', { class: 'btn icon', type: 'button', 'aria-label': 'Zoom out', on: { click: () => graph.zoomBy(1 / 1.25) } }, '−'),
          h('button', { class: 'btn icon', type: 'button', 'aria-label': 'Zoom in', on: { click: () => graph.zoomBy(1.25) } }, '+'),
          h('button', { class: 'btn', type: 'button', on: { click: () => graph.reset() } }, 'Fit'),
        ),
      ),
      wrap,
      legend,
    );
    regions.tasks = h('div', { class: 'table-wrap' });
    const tasksPanel = h('section', { class: 'panel', 'aria-labelledby': 'tasks-h' }, h('header', {}, h('h2', { id: 'tasks-h' }, 'Tasks')), regions.tasks);
    regions.detail = h('section', { class: 'panel detail', 'aria-labelledby': 'detail-h', hidden: true });
    regions.brief = h('div', { class: 'body brief', dataset: { brief: '' } });
    regions.deliverables = h('div', { class: 'body' });
    regions.timeline = h('div', { class: 'body timeline-body' });
    const showBeats = h('input', {
      type: 'checkbox',
      on: {
        change: (ev) => {
          showHeartbeats = ev.target.checked;
          renderTimeline();
        },
      },
    });
    regions.crumbs = h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' });
    fill(
      container,
      regions.crumbs,
      regions.head,
      h(
        'div',
        { class: 'mission-grid' },
        h('div', { class: 'main-col' }, graphPanel, tasksPanel),
        h(
          'div',
          { class: 'side' },
          regions.detail,
          h('section', { class: 'panel', 'aria-labelledby': 'brief-h' }, h('header', {}, h('h2', { id: 'brief-h' }, 'Brief')), regions.brief),
          h(
            'section',
            { class: 'panel', 'aria-labelledby': 'deliv-h' },
            h('header', {}, h('h2', { id: 'deliv-h' }, 'Deliverables & evidence')),
            regions.deliverables,
          ),
          h(
            'section',
            { class: 'panel', 'aria-labelledby': 'tl-h' },
            h('header', {}, h('h2', { id: 'tl-h' }, 'Timeline'), h('div', { class: 'end' }, h('label', { class: 'check' }, showBeats, 'Lease renewals'))),
            regions.timeline,
          ),
        ),
      ),
    );
  }

  function renderHead() {
    const m = page.mission;
    const backParams = ctx.boardParams();
    fill(regions.crumbs, h('a', { href: `#/${backParams}` }, '← Board'), ` / ${m.project}`);
    const info = h(
      'div',
      {},
      h('div', { class: 'title' }, h('h1', { id: 'mission-name' }, m.name), statusPill(m.status), priorityTag(m.priority)),
      m.description ? h('p', { class: 'desc' }, m.description) : null,
      h(
        'dl',
        { class: 'facts' },
        fact('Project', m.project),
        fact('Pilot', m.pilot),
        fact('Agents', m.agents.join(', ')),
        fact('Start', m.startDate ? shortDate(m.startDate) : null),
        fact('Target', m.targetDate ? shortDate(m.targetDate) : null),
        fact('Tasks', `${m.taskCounts.done}/${m.taskCounts.total - m.taskCounts.cancelled} done`),
        m.templateName ? fact('Template', `${m.templateName} v${m.templateVersion ?? 1}`) : null,
        fact('Updated', timeAgo(m.updatedAt)),
      ),
      h('div', { class: 'head-bars' }, bars(m)),
      warnings(page.warnings, page.stalledMinutes),
    );
    if (regions.info) regions.info.replaceWith(info);
    else regions.head.append(info);
    regions.info = info;
    // A live refresh must not wipe what the pilot is typing: the actions are rebuilt only when they changed and
    // nobody is editing them (or right after one of them succeeded).
    const sig = JSON.stringify([m.status, m.progress, page.moves, page.permissions]);
    const editing =
      regions.actions &&
      (regions.actions.contains(document.activeElement) ||
        [...regions.actions.querySelectorAll('input')].some((i) => i.value !== i.defaultValue) ||
        regions.actions.querySelector('[data-reason]:not([hidden])') !== null);
    if (!regions.actions || (sig !== regions.actionsSig && (!editing || forceActions))) {
      const actions = renderActions();
      if (regions.actions) regions.actions.replaceWith(actions);
      else regions.head.append(actions);
      regions.actions = actions;
      regions.actionsSig = sig;
    }
    forceActions = false;
  }

  function renderActions() {
    const { permissions, moves } = page;
    const m = page.mission;
    const box = h('div', { class: 'actions', 'aria-label': 'Pilot actions' });
    if (!permissions.move && !permissions.progress) {
      box.append(h('h2', {}, 'Actions'), h('p', { class: 'muted' }, 'Read only: moving the mission and reporting progress are for its pilot.'));
      return box;
    }
    const status = h('div', { class: 'status-region', role: 'status', 'aria-live': 'polite' });
    box.append(h('h2', {}, 'Pilot actions'));
    if (permissions.move) {
      const row = h('div', { class: 'row' });
      const reasonRow = h('div', { class: 'row', hidden: true, dataset: { reason: '' } });
      if (moves.length === 0) row.append(h('span', { class: 'muted' }, `${STATUS_LABEL[m.status]} is final.`));
      for (const move of moves) {
        row.append(
          h(
            'button',
            {
              class: ['btn', move.to === 'cancelled' ? 'danger' : 'primary'],
              type: 'button',
              dataset: { move: move.to },
              on: {
                click: () => {
                  if (!move.needsReason)
                    return act(`/api/missions/${encodeURIComponent(missionId)}/status`, { status: move.to }, `Moved to ${STATUS_LABEL[move.to]}`, status);
                  const input = h('input', {
                    type: 'text',
                    'aria-label': `Reason to move to ${STATUS_LABEL[move.to]}`,
                    placeholder: 'Reason (required)',
                    maxlength: '2000',
                  });
                  fill(
                    reasonRow,
                    input,
                    h(
                      'button',
                      {
                        class: 'btn primary',
                        type: 'button',
                        on: {
                          click: () =>
                            act(
                              `/api/missions/${encodeURIComponent(missionId)}/status`,
                              { status: move.to, reason: input.value },
                              `Moved to ${STATUS_LABEL[move.to]}`,
                              status,
                            ),
                        },
                      },
                      `Confirm ${STATUS_LABEL[move.to].toLowerCase()}`,
                    ),
                    h('button', { class: 'btn', type: 'button', on: { click: () => (reasonRow.hidden = true) } }, 'Back'),
                  );
                  reasonRow.hidden = false;
                  input.focus();
                },
              },
            },
            move.to === 'cancelled' ? 'Cancel mission' : `Move to ${STATUS_LABEL[move.to]}`,
          ),
        );
      }
      box.append(row, reasonRow);
    }
    if (permissions.progress) {
      const value = h('input', {
        type: 'number',
        min: '0',
        max: '100',
        step: '1',
        value: m.progress ?? '',
        'aria-label': 'Reported progress (0 to 100)',
        name: 'progress',
      });
      const note = h('input', { type: 'text', placeholder: 'Note (optional)', 'aria-label': 'Progress note', maxlength: '5000', name: 'note' });
      const form = h(
        'form',
        {
          class: 'row',
          on: {
            submit: (ev) => {
              ev.preventDefault();
              const n = Number(value.value);
              act(
                `/api/missions/${encodeURIComponent(missionId)}/progress`,
                { progress: n, ...(note.value.trim() ? { note: note.value.trim() } : {}) },
                `Progress set to ${n}%`,
                status,
              );
            },
          },
        },
        h('label', { class: 'field' }, 'Progress %', value),
        note,
        h('button', { class: 'btn', type: 'submit' }, 'Report'),
      );
      box.append(form);
    }
    box.append(status);
    return box;
  }

  async function act(path, body, done, statusEl) {
    clear(statusEl);
    try {
      await postJson(path, body);
      toast(done);
      forceActions = true;
      await load();
    } catch (error) {
      if (error instanceof ApiError) statusEl.append(errorBox(error));
      else ctx.handleError(error);
    }
  }

  function renderTasks() {
    const tasks = page.mission.tasks;
    if (!tasks.length) {
      fill(regions.tasks, h('p', { class: 'empty' }, 'No tasks yet. Agents add them with create_task (missionId).'));
      return;
    }
    const critical = new Set(page.graph.criticalPath);
    const rows = tasks.map((t) =>
      h(
        'tr',
        { class: t.taskId === selected ? 'selected' : null, dataset: { taskId: t.taskId } },
        h(
          'td',
          { class: 'nowrap' },
          h(
            'button',
            { class: 'linkish', type: 'button', 'aria-label': `Open ${t.key ?? ''} ${t.title}`, on: { click: () => selectTask(t.taskId, true) } },
            t.key ?? '—',
          ),
        ),
        h('td', {}, t.title, critical.has(t.taskId) ? h('span', { class: 'tag-crit', title: 'On the critical path' }, 'critical') : null),
        h('td', {}, statusPill(t.status, t.status === 'todo' && t.ready ? 'Ready' : undefined)),
        h('td', {}, t.claim ? t.claim.claimedBy : (t.assignedTo ?? h('span', { class: 'muted' }, '—'))),
        h('td', { class: 'nowrap' }, t.claim ? leaseLabel(t.claim.leaseExpiresAt) : h('span', { class: 'muted' }, '—')),
        h('td', { class: 'nowrap' }, t.dependsOn.length ? t.dependsOn.map((d) => label(d)).join(', ') : h('span', { class: 'muted' }, '—')),
        h('td', {}, priorityTag(t.priority)),
        h('td', { class: 'nowrap' }, t.evidence.length ? String(t.evidence.length) : h('span', { class: 'muted' }, '0')),
      ),
    );
    fill(
      regions.tasks,
      h(
        'table',
        { class: 'data' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Key', 'Task', 'Status', 'Holder / assignee', 'Lease', 'Depends on', 'Priority', 'Evidence'].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h('tbody', {}, rows),
      ),
    );
  }

  function renderBrief() {
    const text = page.mission.brief ?? '';
    if (renderedBrief === text) return;
    renderedBrief = text;
    clear(regions.brief);
    if (!text) regions.brief.append(h('p', { class: 'muted' }, 'No brief.'));
    else regions.brief.append(renderMarkdown(text));
  }

  function renderDeliverables() {
    const out = [];
    if (page.deliverables.length) {
      for (const d of page.deliverables) {
        out.push(
          h(
            'div',
            { class: 'deliverable', dataset: { deliverable: d.name, state: d.state } },
            h('div', { class: 'head' }, h('h3', {}, d.name), h('span', { class: ['badge', d.state] }, d.state)),
            d.description ? h('div', { class: 'desc' }, d.description) : null,
            h('div', { class: 'muted' }, `Accepts ${d.acceptedKinds.join(', ').replaceAll('_', ' ')}`),
            d.evidence.length ? h('ul', { class: 'evidence' }, d.evidence.map(evidenceItem)) : null,
          ),
        );
      }
    }
    const loose = page.mission.evidence.filter((e) => !e.deliverable);
    if (loose.length) out.push(h('div', { class: 'deliverable' }, h('h3', {}, 'Mission evidence'), h('ul', { class: 'evidence' }, loose.map(evidenceItem))));
    const taskEvidence = page.mission.tasks.filter((t) => t.evidence.length);
    if (taskEvidence.length) {
      const items = taskEvidence.reduce((n, t) => n + t.evidence.length, 0);
      const wasOpen = regions.deliverables.querySelector('details.task-evidence')?.open;
      out.push(
        h(
          'details',
          { class: 'deliverable task-evidence', open: wasOpen ?? taskEvidence.length <= 6 },
          h('summary', {}, h('h3', {}, `Task evidence · ${plural(items, 'item')} from ${plural(taskEvidence.length, 'task')}`)),
          taskEvidence.map((t) => [
            h('div', { class: 'muted', dataset: { evidenceTask: t.taskId } }, `${t.key ?? ''} ${t.title}`),
            h('ul', { class: 'evidence' }, t.evidence.map(evidenceItem)),
          ]),
        ),
      );
    }
    if (!out.length) out.push(h('p', { class: 'muted' }, 'No deliverables or evidence yet.'));
    if (page.evidenceProblems.length && page.mission.status !== 'complete' && page.mission.status !== 'cancelled') {
      out.push(
        h('h3', { class: 'gate' }, 'Before it can complete'),
        h(
          'ul',
          { class: 'problems' },
          page.evidenceProblems.map((p) => h('li', {}, p)),
        ),
      );
    }
    if (!page.repoUrl && out.length) out.push(h('p', { class: 'muted' }, 'Set the project URL (sortie project set --url) to link commits and PRs.'));
    fill(regions.deliverables, ...out);
  }

  function renderTimeline() {
    const shown = [...events.values()].sort((a, b) => b.seq - a.seq).filter((e) => showHeartbeats || e.kind !== 'task.heartbeat');
    const list = h(
      'ol',
      { class: 'timeline' },
      shown.map((e) => timelineItem(e, label)),
    );
    fill(
      regions.timeline,
      shown.length ? list : h('p', { class: 'muted' }, events.size ? 'Only lease renewals so far.' : 'Nothing yet.'),
      olderBefore
        ? h(
            'button',
            {
              class: 'btn small',
              type: 'button',
              on: {
                click: async () => {
                  const before = Math.min(...events.keys());
                  const more = await ctx.getJson(`/api/missions/${encodeURIComponent(missionId)}/events${query({ before })}`);
                  for (const e of more.events) events.set(e.seq, e);
                  olderBefore = more.before;
                  renderTimeline();
                },
              },
            },
            'Load older',
          )
        : null,
    );
  }

  function renderGraph() {
    const g = page.graph;
    regions.graphMeta.textContent = g.nodes.length
      ? `${plural(g.nodes.length, 'task')} · critical path ${g.criticalPath.length ? plural(g.criticalPath.length, 'step') : 'clear'}`
      : '';
    regions.graphEmpty.hidden = g.nodes.length > 0;
    graph.render(g, selected);
  }

  async function renderDetail() {
    if (!selected) {
      regions.detail.hidden = true;
      clear(regions.detail);
      return;
    }
    const id = selected;
    let detail;
    try {
      detail = await ctx.getJson(`/api/tasks/${encodeURIComponent(id)}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        selectTask(null, true);
        return;
      }
      throw error;
    }
    if (selected !== id || !container) return;
    const t = detail.task;
    const deps = t.dependsOn.map((d) => h('button', { class: 'linkish', type: 'button', on: { click: () => selectTask(d, true) } }, label(d)));
    const notes = [
      ['Description', t.description],
      ['Completion note', t.completionNote],
      ['Failure', t.failureNote],
      ['Blocked', t.blockedReason],
      ['Cancelled', t.cancelReason],
      ['No evidence because', t.allowNoEvidence],
    ].filter(([, v]) => v);
    fill(
      regions.detail,
      h(
        'header',
        {},
        h('h2', { id: 'detail-h' }, `${t.key ? `${t.key} · ` : ''}${t.title}`),
        h(
          'div',
          { class: 'end' },
          h('button', { class: 'btn icon', type: 'button', 'aria-label': 'Close task details', on: { click: () => selectTask(null, true) } }, '×'),
        ),
      ),
      h(
        'div',
        { class: 'body' },
        h(
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
        ),
        notes.map(([k, v]) => [h('h3', {}, k), h('div', { class: 'text' }, v)]),
        h('h3', {}, 'Evidence'),
        t.evidence.length ? h('ul', { class: 'evidence' }, t.evidence.map(evidenceItem)) : h('p', { class: 'muted' }, 'None yet.'),
        h('h3', {}, 'Recent events'),
        detail.timeline.events.length
          ? h(
              'ol',
              { class: 'timeline' },
              detail.timeline.events.map((e) => timelineItem(e, label)),
            )
          : h('p', { class: 'muted' }, 'None.'),
      ),
    );
    regions.detail.hidden = false;
  }

  /** Selects a task (graph, table and panel) and records it in the URL, so the view can be linked to. */
  function selectTask(id, fromUser) {
    selected = id;
    if (fromUser) {
      const qs = id ? `?task=${encodeURIComponent(id)}` : '';
      history.replaceState(null, '', `#/missions/${encodeURIComponent(missionId)}${qs}`);
    }
    graph.select(selected);
    for (const tr of regions.tasks.querySelectorAll('tr[data-task-id]')) tr.classList.toggle('selected', tr.dataset.taskId === selected);
    renderDetail().catch((error) => ctx.handleError(error));
  }

  async function load() {
    const data = await ctx.getJson(`/api/missions/${encodeURIComponent(missionId)}`);
    if (!container) return;
    const first = page === null;
    page = data;
    // The URL may name the mission; live events carry its id.
    missionId = page.mission.missionId;
    for (const e of page.timeline.events) events.set(e.seq, e);
    if (first) olderBefore = page.timeline.before;
    ctx.setTitle(page.mission.name);
    renderHead();
    renderGraph();
    renderTasks();
    renderBrief();
    renderDeliverables();
    renderTimeline();
    if (first || selected) await renderDetail();
    ctx.follow(page.lastSeq);
  }

  function onKey(ev) {
    if (ev.key === 'Escape' && selected && !ev.defaultPrevented) selectTask(null, true);
  }

  return {
    title: () => page?.mission.name ?? 'Mission',
    async mount(el, route) {
      container = el;
      missionId = route.id;
      selected = route.params.get('task');
      container.append(h('p', { class: 'loading' }, 'Loading the mission…'));
      skeleton();
      document.addEventListener('keydown', onKey);
      await load();
    },
    async update(route) {
      if (route.id !== missionId) return false;
      const task = route.params.get('task');
      if (task !== selected) selectTask(task, false);
      return true;
    },
    /** Events of this mission, or of any task drawn in its graph (cross-mission dependencies). */
    relevant(batch) {
      const ids = new Set(page?.graph.nodes.map((n) => n.id) ?? []);
      return batch.some((e) => e.missionId === missionId || (e.taskId && ids.has(e.taskId)));
    },
    /** Live events of this mission join the timeline directly, in order, before the page reloads. */
    receive(batch) {
      const mine = batch.filter((e) => e.missionId === missionId);
      if (!mine.length || !page) return;
      for (const e of mine) events.set(e.seq, e);
      renderTimeline();
    },
    refresh: load,
    unmount() {
      document.removeEventListener('keydown', onKey);
      container = null;
      page = null;
    },
  };
}
