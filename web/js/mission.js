// The mission page: a frame (breadcrumbs, layout, selection, loading) around its panels — the header with both
// progress figures, the pilot's actions, the dependency graph, the task table, the task panel, the brief, the
// deliverables with their evidence, and the event timeline (web/js/mission/*.js, each a Panel of view.js).
import { fill, h } from './dom.js';
import { actionsPanel } from './mission/actions.js';
import { briefPanel } from './mission/brief.js';
import { evidencePanel } from './mission/evidence.js';
import { graphPanel } from './mission/graph.js';
import { headerPanel } from './mission/header.js';
import { taskDetailPanel } from './mission/task-detail.js';
import { tasksPanel } from './mission/tasks.js';
import { timelinePanel } from './mission/timeline.js';

/**
 * @param {import('./view.js').ViewContext} ctx
 * @returns {import('./view.js').View}
 */
export function missionView(ctx) {
  let container = null;
  let missionId = null;
  let data = null;
  let selected = null;
  /** In layout order, which is also the order they are drawn and told of a selection. */
  let panels = [];
  const crumbs = h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' });

  /** What the panels share: the page's identity, its selection, and how to change it. */
  const page = {
    ctx,
    missionId: () => missionId,
    selected: () => selected,
    selectTask,
    reload: () => load(),
    /** A task's key where the page knows it (the event's details otherwise), for links and the timeline. */
    label: (id, details) => {
      const t = data?.mission.tasks.find((x) => x.taskId === id);
      return t?.key ?? details?.key ?? `task ${id.slice(-6)}`;
    },
  };

  function skeleton() {
    panels = [headerPanel(), actionsPanel(page), graphPanel(page), tasksPanel(page), taskDetailPanel(page), briefPanel(), evidencePanel(), timelinePanel(page)];
    const [header, actions, graph, tasks, detail, brief, evidence, timeline] = panels;
    fill(
      container,
      crumbs,
      h('section', { class: 'panel mission-head', 'aria-label': 'Mission' }, header.el, actions.el),
      h(
        'div',
        { class: 'mission-grid' },
        h('div', { class: 'main-col' }, graph.el, tasks.el),
        h('div', { class: 'side' }, detail.el, brief.el, evidence.el, timeline.el),
      ),
    );
  }

  /** Selects a task (graph, table and panel) and records it in the URL, so the view can be linked to. */
  function selectTask(id, fromUser) {
    selected = id;
    if (fromUser) {
      const qs = id ? `?task=${encodeURIComponent(id)}` : '';
      history.replaceState(null, '', `#/missions/${encodeURIComponent(missionId)}${qs}`);
    }
    for (const panel of panels) panel.select?.(id, fromUser);
  }

  async function load() {
    const next = await ctx.getJson(`/api/missions/${encodeURIComponent(missionId)}`);
    if (!container) return;
    data = next;
    // The URL may name the mission; live events carry its id.
    missionId = data.mission.missionId;
    ctx.setTitle(data.mission.name);
    fill(crumbs, h('a', { href: `#/${ctx.boardParams()}` }, '← Board'), ` / ${data.mission.project}`);
    await Promise.all(panels.map((panel) => panel.update(data)));
    ctx.follow(data.lastSeq);
  }

  function onKey(ev) {
    if (ev.key === 'Escape' && selected && !ev.defaultPrevented) selectTask(null, true);
  }

  return {
    title: () => data?.mission.name ?? 'Mission',
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
      const ids = new Set(data?.graph.nodes.map((n) => n.id) ?? []);
      return batch.some((e) => e.missionId === missionId || (e.taskId && ids.has(e.taskId)));
    },
    receive(batch) {
      if (!data) return;
      for (const panel of panels) panel.receive?.(batch);
    },
    refresh: load,
    unmount() {
      document.removeEventListener('keydown', onKey);
      for (const panel of panels) panel.unmount?.();
      container = null;
      data = null;
    },
  };
}
