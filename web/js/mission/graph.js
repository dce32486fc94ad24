// The mission page's dependency graph panel: the drawing with zoom controls, its size and critical path, a legend.
import { h, plural, STATUS_LABEL, TASK_STATUSES } from '../dom.js';
import { GraphView } from '../graph.js';

function legend() {
  return h(
    'div',
    { class: 'graph-legend', 'aria-hidden': 'true' },
    // "Ready" is a todo task whose dependencies are met, coloured as the graph colours it: listed right after todo.
    TASK_STATUSES.flatMap((st) => (st === 'todo' ? [st, 'ready'] : [st])).map((st) =>
      st === 'ready'
        ? h('span', { class: 'legend-item' }, h('i', { class: 'ready', dataset: { status: 'todo' } }), 'Ready')
        : h('span', { class: 'legend-item' }, h('i', { dataset: { status: st } }), STATUS_LABEL[st]),
    ),
    // Not a colour: a dashed ring and bold edges, so a to-do task on the path cannot be read as failed.
    h('span', { class: 'legend-item' }, h('i', { class: 'crit' }), 'Critical path'),
  );
}

/**
 * @param {{ selected: () => string | null, selectTask: (id: string | null, fromUser: boolean) => void }} page
 * @returns {import('../view.js').Panel}
 */
export function graphPanel(page) {
  const wrap = h('div', { class: 'graph-wrap', tabindex: '0', 'aria-label': 'Dependency graph. Arrow keys pan, plus and minus zoom, 0 fits.' });
  const zoomLabel = h('span', { class: 'zoom-level', 'aria-live': 'off' }, '100%');
  const meta = h('span', { class: 'muted' });
  // A label too long for its node is abbreviated; the focused node's full title and state are spelled out here
  // (a screen reader hears them as the node's description).
  const caption = h('p', { class: 'graph-caption', 'aria-hidden': 'true' });
  const captionHint = 'Tab to a task to read its full title; Enter opens it.';
  caption.textContent = captionHint;
  const graph = new GraphView(wrap, {
    onSelect: (id) => page.selectTask(id, true),
    onZoom: (k) => {
      zoomLabel.textContent = `${Math.round(k * 100)}%`;
    },
    onFocusNode: (text) => {
      caption.textContent = text ?? captionHint;
      caption.classList.toggle('focused', text !== null);
    },
  });
  const empty = h('p', { class: 'graph-empty', hidden: true }, 'No tasks to draw yet.');
  wrap.append(empty);
  const el = h(
    'section',
    { class: 'panel graph-panel', 'aria-labelledby': 'graph-h' },
    h(
      'header',
      {},
      h('h2', { id: 'graph-h' }, 'Dependency graph'),
      meta,
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
    caption,
    legend(),
  );

  return {
    el,
    update(data) {
      const g = data.graph;
      meta.textContent = g.nodes.length
        ? `${plural(g.nodes.length, 'task')} · critical path ${g.criticalPath.length ? plural(g.criticalPath.length, 'step') : 'clear'}`
        : '';
      empty.hidden = g.nodes.length > 0;
      graph.render(g, page.selected());
    },
    select(id) {
      graph.select(id);
    },
    unmount() {
      graph.destroy();
    },
  };
}
