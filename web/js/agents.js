// The agents page: every agent seen, what it holds with lease expiry, its unread messages, workload and last activity.
import { query } from './api.js';
import { fill, h, leaseLabel, plural, statusPill, timeAgo } from './dom.js';

/** An agent's unread messages as a badge beside its name; an empty inbox shows nothing. */
function unreadBadge(a) {
  if (!a.unread) return null;
  return h(
    'span',
    { class: 'unread', dataset: { unread: a.unread }, title: `${plural(a.unread, 'unread message')}: sortie inbox --agent ${a.agent}` },
    `${a.unread} unread`,
    h('span', { class: 'visually-hidden' }, a.unread === 1 ? ' message' : ' messages'),
  );
}

/**
 * @param {import('./view.js').ViewContext} ctx
 * @returns {import('./view.js').View}
 */
export function agentsView(ctx) {
  let container = null;
  let params = new URLSearchParams();

  function render(view) {
    const project = params.get('project') || '';
    const focused = document.activeElement?.dataset?.filter;
    const filter = h(
      'select',
      {
        name: 'project',
        dataset: { filter: 'project' },
        on: {
          change: (ev) => {
            location.hash = `#/agents${query({ project: ev.target.value })}`;
          },
        },
      },
      h('option', { value: '' }, 'All'),
      view.projects.map((p) => h('option', { value: p, selected: p === project }, p)),
    );
    const holding = view.agents.filter((a) => a.holds.length).length;
    const toolbar = h(
      'div',
      { class: 'toolbar', role: 'search', 'aria-label': 'Filter agents' },
      h('label', { class: 'field' }, 'Project', filter),
      h('span', { class: 'summary', role: 'status' }, `${plural(view.agents.length, 'agent')} · ${holding} holding work`),
    );
    const rows = view.agents.map((a) =>
      h(
        'tr',
        { dataset: { agent: a.agent } },
        h('th', { scope: 'row' }, a.agent, unreadBadge(a)),
        h(
          'td',
          {},
          a.holds.length
            ? h(
                'ul',
                { class: 'holds' },
                a.holds.map((t) =>
                  h(
                    'li',
                    { dataset: { heldTask: t.taskId } },
                    t.missionId
                      ? h('a', { href: `#/missions/${encodeURIComponent(t.missionId)}?task=${encodeURIComponent(t.taskId)}` }, `${t.key ?? ''} ${t.title}`)
                      : h('span', {}, t.title),
                    ' ',
                    statusPill(t.status),
                    t.missionName ? h('span', { class: 'muted' }, ` · ${t.missionName}`) : null,
                  ),
                ),
              )
            : h('span', { class: 'muted' }, 'nothing'),
        ),
        h(
          'td',
          { class: 'nowrap' },
          a.holds.length
            ? h(
                'ul',
                { class: 'holds' },
                a.holds.map((t) => h('li', {}, leaseLabel(t.leaseExpiresAt))),
              )
            : h('span', { class: 'muted' }, '—'),
        ),
        h('td', { class: 'nowrap' }, String(a.assignedOpen)),
        h('td', { class: 'nowrap' }, a.piloting ? `${a.piloting} piloting · ${a.missions} total` : String(a.missions)),
        h('td', { class: 'nowrap' }, timeAgo(a.lastActivityAt)),
        h('td', { class: 'nowrap' }, String(a.events)),
      ),
    );
    const table = view.agents.length
      ? h(
          'div',
          // Wider than a phone: the table scrolls sideways in its own box, which the keyboard can focus and scroll.
          { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Agents table' },
          h(
            'table',
            { class: 'data' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Agent', 'Holds', 'Lease', 'Assigned open', 'Open missions', 'Last activity', 'Events'].map((c) => h('th', { scope: 'col' }, c)),
              ),
            ),
            h('tbody', {}, rows),
          ),
        )
      : h('p', { class: 'empty' }, 'No agent has been seen yet.');
    fill(
      container,
      h('h1', { class: 'visually-hidden' }, 'Agents'),
      toolbar,
      h('section', { class: 'panel', 'aria-labelledby': 'agents-h' }, h('header', {}, h('h2', { id: 'agents-h' }, 'Agents')), table),
    );
    if (focused) toolbar.querySelector(`[data-filter="${focused}"]`)?.focus();
  }

  async function load() {
    const view = await ctx.getJson(`/api/agents${query({ project: params.get('project') })}`);
    if (!container) return;
    render(view);
    ctx.follow(view.lastSeq);
  }

  return {
    title: () => 'Agents',
    async mount(el, route) {
      container = el;
      params = route.params;
      container.append(h('p', { class: 'loading' }, 'Loading agents…'));
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
      container = null;
    },
  };
}
