// The dependency graph: laid out by dagre, drawn as SVG, coloured by status, the critical path highlighted.
// Pan by dragging the background or with the arrow keys, zoom with the wheel, the +/- keys or the buttons; each
// node is a focusable button that opens its task. Live updates that keep the graph's shape only restyle it, so
// the view does not jump while agents work.
import dagre from '/vendor/dagre.js';
import { leaseText, STATUS_LABEL, s } from './dom.js';

const NODE_W = 216;
const NODE_H = 56;
const MIN_READABLE = 0.55;
const ZOOM_MIN = 0.1;
const ZOOM_MAX = 2.5;

function clamp(v, lo, hi) {
  return Math.min(hi, Math.max(lo, v));
}

function truncate(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A smooth path through dagre's edge points (quadratic segments between midpoints). */
function edgePath(points) {
  if (points.length < 2) return '';
  let d = `M${points[0].x},${points[0].y}`;
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i];
    const q = points[i + 1];
    d += ` Q${p.x},${p.y} ${(p.x + q.x) / 2},${(p.y + q.y) / 2}`;
  }
  const last = points[points.length - 1];
  return `${d} L${last.x},${last.y}`;
}

function shapeOf(graph) {
  const nodes = graph.nodes.map((n) => n.id).sort();
  const edges = graph.edges.map((e) => `${e.from}>${e.to}`).sort();
  return `${nodes.join(',')}|${edges.join(',')}`;
}

export class GraphView {
  /**
   * @param {HTMLElement} wrap  the focusable viewport element
   * @param {{ onSelect: (taskId: string) => void, onZoom?: (k: number) => void }} options
   */
  constructor(wrap, options) {
    this.wrap = wrap;
    this.options = options;
    this.view = { x: 0, y: 0, k: 1 };
    this.userMoved = false;
    this.shape = null;
    this.size = { width: 0, height: 0 };
    this.svg = s('svg', { class: 'graph', role: 'group', 'aria-label': 'Dependency graph' });
    this.svg.append(
      s(
        'defs',
        {},
        s(
          'marker',
          { id: 'arrow', viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' },
          s('path', { class: 'arrow', d: 'M0,0 L10,5 L0,10 z' }),
        ),
        s(
          'marker',
          { id: 'arrow-crit', viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '7', markerHeight: '7', orient: 'auto-start-reverse' },
          s('path', { class: 'arrow critical', d: 'M0,0 L10,5 L0,10 z' }),
        ),
      ),
    );
    this.viewport = s('g', { class: 'viewport' });
    this.edgeLayer = s('g', { class: 'edges' });
    this.nodeLayer = s('g', { class: 'nodes' });
    this.viewport.append(this.edgeLayer, this.nodeLayer);
    this.svg.append(this.viewport);
    wrap.append(this.svg);
    this.nodes = new Map();
    this.bindInput();
  }

  /** Draws the graph; keeps the layout (and the user's pan and zoom) when only statuses and holders changed. */
  render(graph, selectedId) {
    const shape = shapeOf(graph);
    // Where a graph too big to fit opens: the head of the critical path, else the first claimed task.
    this.focusId = graph.criticalPath[0] ?? graph.nodes.find((n) => n.holder)?.id ?? null;
    if (shape !== this.shape) {
      this.layout(graph);
      this.shape = shape;
      if (!this.userMoved) this.fit();
    }
    for (const n of graph.nodes) this.paintNode(n);
    for (const e of graph.edges) {
      const path = this.edgeLayer.querySelector(`path[data-edge="${CSS.escape(`${e.from}>${e.to}`)}"]`);
      if (path) {
        path.setAttribute('class', e.critical ? 'edge critical' : 'edge');
        path.setAttribute('marker-end', e.critical ? 'url(#arrow-crit)' : 'url(#arrow)');
      }
    }
    this.select(selectedId);
  }

  layout(graph) {
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: 'LR', nodesep: 22, ranksep: 64, marginx: 24, marginy: 24 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const n of graph.nodes) g.setNode(n.id, { width: NODE_W, height: NODE_H });
    for (const e of graph.edges) g.setEdge(e.from, e.to);
    dagre.layout(g);
    const info = g.graph();
    this.size = { width: info.width ?? 0, height: info.height ?? 0 };
    // Small graphs get a small viewport; big ones a tall one that pans.
    this.wrap.style.height = `${Math.round(clamp(this.size.height + 16, 240, 600))}px`;

    this.edgeLayer.replaceChildren();
    for (const e of graph.edges) {
      const points = g.edge(e.from, e.to)?.points ?? [];
      this.edgeLayer.append(s('path', { class: 'edge', d: edgePath(points), dataset: { edge: `${e.from}>${e.to}`, from: e.from, to: e.to } }));
    }
    this.nodeLayer.replaceChildren();
    this.nodes.clear();
    for (const n of graph.nodes) {
      const pos = g.node(n.id);
      const title = s('title');
      const key = s('text', { class: 'key', x: '14', y: '22' });
      const label = s('text', { class: 'label', x: '14', y: '22' });
      const sub = s('text', { class: 'sub', x: '14', y: '42' });
      const node = s(
        'g',
        {
          class: 'node',
          transform: `translate(${pos.x - NODE_W / 2},${pos.y - NODE_H / 2})`,
          tabindex: '0',
          role: 'button',
          dataset: { taskId: n.id },
          on: {
            click: () => this.options.onSelect(n.id),
            keydown: (ev) => {
              if (ev.key === 'Enter' || ev.key === ' ') {
                ev.preventDefault();
                this.options.onSelect(n.id);
              }
            },
            focus: () => this.reveal(pos),
          },
        },
        title,
        s('rect', { class: 'box', width: String(NODE_W), height: String(NODE_H), rx: '9' }),
        s('rect', { class: 'stripe', width: '5', height: String(NODE_H - 16), x: '0', y: '8', rx: '2' }),
        key,
        label,
        sub,
      );
      this.nodes.set(n.id, { el: node, title, key, label, sub, pos });
      this.nodeLayer.append(node);
    }
  }

  paintNode(n) {
    const parts = this.nodes.get(n.id);
    if (!parts) return;
    const { el, title, key, label, sub } = parts;
    const classes = ['node', n.critical && 'critical', n.external && 'external', n.ready && 'ready'];
    const lease = n.leaseExpiresAt ? leaseText(n.leaseExpiresAt) : null;
    if (lease?.expired) classes.push('expired');
    el.setAttribute('class', classes.filter(Boolean).join(' '));
    el.dataset.status = n.status;
    el.dataset.critical = n.critical ? 'true' : 'false';
    const keyText = n.key ?? '';
    key.textContent = keyText;
    label.setAttribute('x', String(14 + (keyText ? keyText.length * 7.6 + 6 : 0)));
    label.textContent = truncate(n.title, Math.max(8, 28 - keyText.length));
    let subText;
    if (n.external) subText = `other mission · ${STATUS_LABEL[n.status] ?? n.status}`;
    else if (n.holder) subText = `${n.holder} · ${lease ? lease.text : 'holding'}`;
    else if (n.status === 'todo') subText = n.ready ? 'Ready' : 'Waiting on dependencies';
    else subText = STATUS_LABEL[n.status] ?? n.status;
    sub.textContent = truncate(subText, 34);
    const full = [
      `${keyText ? `${keyText} ` : ''}${n.title}`,
      `Status: ${STATUS_LABEL[n.status] ?? n.status}${n.status === 'todo' ? (n.ready ? ' (ready)' : ' (waiting)') : ''}`,
      n.holder ? `Held by ${n.holder}${lease ? `, lease ${lease.text}` : ''}` : null,
      n.assignedTo && !n.holder ? `Assigned to ${n.assignedTo}` : null,
      n.critical ? 'On the critical path' : null,
    ]
      .filter(Boolean)
      .join('. ');
    title.textContent = full;
    el.setAttribute('aria-label', full);
  }

  select(id) {
    this.selected = id ?? null;
    for (const [taskId, parts] of this.nodes) {
      parts.el.classList.toggle('selected', taskId === this.selected);
      if (taskId === this.selected) parts.el.setAttribute('aria-pressed', 'true');
      else parts.el.removeAttribute('aria-pressed');
    }
  }

  apply() {
    const { x, y, k } = this.view;
    this.viewport.setAttribute('transform', `translate(${x},${y}) scale(${k})`);
    this.options.onZoom?.(k);
  }

  /**
   * Fits the whole graph, but never below a readable scale: a graph too big for that opens on the work that
   * matters now (the head of the critical path), and panning reveals the rest.
   */
  fit() {
    const cw = this.wrap.clientWidth || 800;
    const ch = this.wrap.clientHeight || 500;
    const { width, height } = this.size;
    if (!width || !height) return;
    const k = clamp(Math.min(cw / width, ch / height, 1), MIN_READABLE, ZOOM_MAX);
    let x = width * k <= cw ? (cw - width * k) / 2 : 0;
    let y = height * k <= ch ? (ch - height * k) / 2 : 0;
    const focus = this.focusId ? this.nodes.get(this.focusId)?.pos : null;
    if (focus && width * k > cw) x = clamp(cw * 0.3 - focus.x * k, cw - width * k, 0);
    if (focus && height * k > ch) y = clamp(ch / 2 - focus.y * k, ch - height * k, 0);
    this.view = { x, y, k };
    this.apply();
  }

  zoomBy(factor, cx = this.wrap.clientWidth / 2, cy = this.wrap.clientHeight / 2) {
    const k = clamp(this.view.k * factor, ZOOM_MIN, ZOOM_MAX);
    const ratio = k / this.view.k;
    this.view = { k, x: cx - (cx - this.view.x) * ratio, y: cy - (cy - this.view.y) * ratio };
    this.userMoved = true;
    this.apply();
  }

  panBy(dx, dy) {
    this.view = { ...this.view, x: this.view.x + dx, y: this.view.y + dy };
    this.userMoved = true;
    this.apply();
  }

  /** Back to the fitted view; later layouts fit again. */
  reset() {
    this.userMoved = false;
    this.fit();
  }

  /** Pans just enough to show a node that received keyboard focus. */
  reveal(pos) {
    const { x, y, k } = this.view;
    const cw = this.wrap.clientWidth;
    const ch = this.wrap.clientHeight;
    const left = (pos.x - NODE_W / 2) * k + x;
    const right = (pos.x + NODE_W / 2) * k + x;
    const top = (pos.y - NODE_H / 2) * k + y;
    const bottom = (pos.y + NODE_H / 2) * k + y;
    let dx = 0;
    let dy = 0;
    if (left < 12) dx = 12 - left;
    else if (right > cw - 12) dx = cw - 12 - right;
    if (top < 12) dy = 12 - top;
    else if (bottom > ch - 12) dy = ch - 12 - bottom;
    if (dx || dy) this.panBy(dx, dy);
  }

  bindInput() {
    const wrap = this.wrap;
    let drag = null;
    wrap.addEventListener('pointerdown', (ev) => {
      if (ev.button !== 0 || ev.target.closest?.('.node')) return;
      drag = { x: ev.clientX, y: ev.clientY, id: ev.pointerId };
      wrap.setPointerCapture(ev.pointerId);
      wrap.classList.add('panning');
    });
    wrap.addEventListener('pointermove', (ev) => {
      if (!drag || ev.pointerId !== drag.id) return;
      this.panBy(ev.clientX - drag.x, ev.clientY - drag.y);
      drag.x = ev.clientX;
      drag.y = ev.clientY;
    });
    const end = (ev) => {
      if (drag && ev.pointerId === drag.id) {
        drag = null;
        wrap.classList.remove('panning');
      }
    };
    wrap.addEventListener('pointerup', end);
    wrap.addEventListener('pointercancel', end);
    wrap.addEventListener(
      'wheel',
      (ev) => {
        ev.preventDefault();
        const rect = wrap.getBoundingClientRect();
        this.zoomBy(Math.exp(-ev.deltaY * 0.0015), ev.clientX - rect.left, ev.clientY - rect.top);
      },
      { passive: false },
    );
    wrap.addEventListener('keydown', (ev) => {
      const step = ev.shiftKey ? 160 : 48;
      const keys = {
        ArrowLeft: () => this.panBy(step, 0),
        ArrowRight: () => this.panBy(-step, 0),
        ArrowUp: () => this.panBy(0, step),
        ArrowDown: () => this.panBy(0, -step),
        '+': () => this.zoomBy(1.2),
        '=': () => this.zoomBy(1.2),
        '-': () => this.zoomBy(1 / 1.2),
        0: () => this.reset(),
      };
      const fn = keys[ev.key];
      if (fn && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
        ev.preventDefault();
        fn();
      }
    });
  }
}
