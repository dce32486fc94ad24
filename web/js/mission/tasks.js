// The mission page's task table: key, title (critical ones marked), status, holder, lease, dependencies, priority.
import { fill, h, leaseLabel, priorityTag, statusPill } from '../dom.js';

/**
 * @param {{ selected: () => string | null, selectTask: (id: string | null, fromUser: boolean) => void, label: (id: string) => string }} page
 * @returns {import('../view.js').Panel}
 */
export function tasksPanel(page) {
  // Wider than a phone: the table scrolls sideways in its own box, which the keyboard can focus and scroll.
  const body = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Tasks table' });
  const el = h('section', { class: 'panel', 'aria-labelledby': 'tasks-h' }, h('header', {}, h('h2', { id: 'tasks-h' }, 'Tasks')), body);

  function row(t, critical) {
    return h(
      'tr',
      { class: t.taskId === page.selected() ? 'selected' : null, dataset: { taskId: t.taskId } },
      h(
        'td',
        { class: 'nowrap' },
        h(
          'button',
          { class: 'linkish', type: 'button', 'aria-label': `Open ${t.key ?? ''} ${t.title}`, on: { click: () => page.selectTask(t.taskId, true) } },
          t.key ?? '—',
        ),
      ),
      h('td', {}, t.title, critical.has(t.taskId) ? h('span', { class: 'tag-crit', title: 'On the critical path' }, 'critical') : null),
      h('td', {}, statusPill(t.status, t.status === 'todo' && t.ready ? 'Ready' : undefined)),
      h('td', {}, t.claim ? t.claim.claimedBy : (t.assignedTo ?? h('span', { class: 'muted' }, '—'))),
      h('td', { class: 'nowrap' }, t.claim ? leaseLabel(t.claim.leaseExpiresAt) : h('span', { class: 'muted' }, '—')),
      h('td', { class: 'nowrap' }, t.dependsOn.length ? t.dependsOn.map((d) => page.label(d)).join(', ') : h('span', { class: 'muted' }, '—')),
      h('td', {}, priorityTag(t.priority)),
      h('td', { class: 'nowrap' }, t.evidence.length ? String(t.evidence.length) : h('span', { class: 'muted' }, '0')),
    );
  }

  return {
    el,
    update(data) {
      const tasks = data.mission.tasks;
      if (!tasks.length) {
        fill(body, h('p', { class: 'empty' }, 'No tasks yet. Agents add them with create_task (missionId).'));
        return;
      }
      const critical = new Set(data.graph.criticalPath);
      const columns = ['Key', 'Task', 'Status', 'Holder / assignee', 'Lease', 'Depends on', 'Priority', 'Evidence'];
      fill(
        body,
        h(
          'table',
          { class: 'data' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              columns.map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          h(
            'tbody',
            {},
            tasks.map((t) => row(t, critical)),
          ),
        ),
      );
    },
    select(id) {
      for (const tr of body.querySelectorAll('tr[data-task-id]')) tr.classList.toggle('selected', tr.dataset.taskId === id);
    },
  };
}
