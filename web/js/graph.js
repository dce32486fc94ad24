// The dependency graph: laid out by dagre, drawn as SVG, coloured by status, the critical path marked (a dashed
// ring and bold edges, never the failed colour). Pan by dragging the background or with the arrow keys, zoom with
// the wheel, the +/- keys or the buttons; Fit shows every node. Each node is a focusable button that opens its
// task. Live updates that keep the graph's shape only restyle it, so the view does not jump while agents work.
import dagre from '/vendor/dagre.js';
import { leaseText, STATUS_LABEL, s } from './dom.js';

const NODE_W = 216;
const NODE_H = 56;
/** Left padding of a node's text (after the status stripe) and what is kept free on its right. */
const TEXT_X = 14;
const TEXT_END = 10;
/** Label and second-line sizes at 100 %. */
const LABEL_PX = 12;
const SUB_PX = 11;
/**
 * Labels never get smaller than this on screen: below 100 % the text grows inside its node (and is abbreviated to
 * fit) instead of shrinking with it. Two lines fit a node up to TWO_LINES_MAX user units; past that only the
 * label is drawn, up to ONE_LINE_MAX — so labels stay at 11 px down to a scale of 11/34 ≈ 32 %.
 */
const MIN_SCREEN_PX = 11;
const TWO_LINES_MAX = 20;
const ONE_LINE_MAX = 34;
/** The smallest scale a graph opens at: one that does not fit whole at it opens on the head of its critical path. */
const OPEN_MIN = MIN_SCREEN_PX / ONE_LINE_MAX;
const ZOOM_MIN = 0.1;
const ZOOM_MAX = 2.5;
/** The graph's box grows with the drawing up to this height, then the drawing pans inside it. */
const WRAP_MIN_H = 240;
const WRAP_MAX_H = 600;
/** Top to bottom replaces left to right when it fits the box this much larger (a deep graph on a narrow screen). */
const TB_GAIN = 1.5;

function clamp(v, lo, hi) {
  return Math.min(hi, Math.max(lo, v));
}

function truncate(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

let measureContext = null;
/** Text width in user units for a CSS font (canvas metrics: no layout, fast enough for 200 nodes per zoom step). */
function textWidth(text, font) {
  measureContext ??= document.createElement('canvas').getContext('2d');
  measureContext.font = font;
  return measureContext.measureText(text).width;
}

/**
 * The longest start of `title` that fits `room` after the key, cut on a word boundary with an ellipsis (inside the
 * first word only when not even that fits).
 */
function abbreviate(title, room, font) {
  if (textWidth(title, font) <= room) return title;
  const words = title.split(/\s+/);
  for (let n = words.length - 1; n > 0; n--) {
    const text = `${words.slice(0, n).join(' ')}…`;
    if (textWidth(text, font) <= room) return text;
  }
  for (let n = words[0].length - 1; n > 0; n--) {
    const text = `${words[0].slice(0, n)}…`;
    if (textWidth(text, font) <= room) return text;
  }
  return '…';
}

/** dagre's layout of the graph in one direction: node centres, edge points, and the drawing's size. */
function computeLayout(graph, rankdir) {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir, nodesep: 22, ranksep: rankdir === 'LR' ? 64 : 48, marginx: 24, marginy: 24 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.id, { width: NODE_W, height: NODE_H });
  for (const e of graph.edges) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const info = g.graph();
  return { rankdir, g, width: info.width ?? 0, height: info.height ?? 0 };
}

/** The scale at which a drawing fits a box `cw` wide and at most WRAP_MAX_H tall (never above 100 %). */
function fitScale(size, cw, ch = WRAP_MAX_H) {
  if (!size.width || !size.height) return 1;
  return Math.min(cw / size.width, ch / size.height, 1);
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
   * @param {{ onSelect: (taskId: string) => void, onZoom?: (k: number) => void, onFocusNode?: (text: string | null) => void }} options
   */
  constructor(wrap, options) {
    this.wrap = wrap;
    this.options = options;
    this.view = { x: 0, y: 0, k: 1 };
    this.userMoved = false;
    this.shape = null;
    this.size = { width: 0, height: 0 };
    this.rankdir = 'LR';
    /** The box width the layout was made for, and the text sizing last applied (see textMode). */
    this.laidOutFor = 0;
    this.textKey = null;
    this.graph = null;
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
          { id: 'arrow-crit', viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '6', markerHeight: '6', orient: 'auto-start-reverse' },
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
    this.graph = graph;
    const shape = shapeOf(graph);
    // Where a graph too big to read whole opens: the head of the critical path, else the first claimed task.
    this.focusId = graph.criticalPath[0] ?? graph.nodes.find((n) => n.holder)?.id ?? null;
    if (shape !== this.shape) {
      this.layout(graph);
      this.shape = shape;
      if (!this.userMoved) this.open();
    }
    for (const n of graph.nodes) this.paintNode(n);
    this.relabel(true);
    for (const e of graph.edges) {
      const path = this.edgeLayer.querySelector(`path[data-edge="${CSS.escape(`${e.from}>${e.to}`)}"]`);
      if (path) {
        path.setAttribute('class', e.critical ? 'edge critical' : 'edge');
        path.setAttribute('marker-end', e.critical ? 'url(#arrow-crit)' : 'url(#arrow)');
      }
    }
    this.select(selectedId);
  }

  /**
   * Lays the graph out left to right, or top to bottom when that fits the box much larger (a long chain on a
   * phone), and sizes the box to the drawing.
   */
  layout(graph) {
    const cw = this.wrap.clientWidth || 800;
    let chosen = computeLayout(graph, 'LR');
    if (fitScale(chosen, cw) < 1) {
      const tb = computeLayout(graph, 'TB');
      if (fitScale(tb, cw) >= TB_GAIN * fitScale(chosen, cw)) chosen = tb;
    }
    const { g } = chosen;
    this.rankdir = chosen.rankdir;
    this.size = { width: chosen.width, height: chosen.height };
    this.laidOutFor = cw;
    // Small graphs get a small box; big ones a tall one that pans.
    const k = Math.min(1, cw / (this.size.width || 1));
    this.wrap.style.height = `${Math.round(clamp(this.size.height * k + 16, WRAP_MIN_H, WRAP_MAX_H))}px`;

    this.edgeLayer.replaceChildren();
    for (const e of graph.edges) {
      const points = g.edge(e.from, e.to)?.points ?? [];
      this.edgeLayer.append(s('path', { class: 'edge', d: edgePath(points), dataset: { edge: `${e.from}>${e.to}`, from: e.from, to: e.to } }));
    }
    this.nodeLayer.replaceChildren();
    this.nodes.clear();
    this.textKey = null;
    for (const n of graph.nodes) {
      const pos = g.node(n.id);
      const descId = `graph-node-${n.id}`;
      const title = s('title', { id: descId });
      const keySpan = s('tspan', { class: 'key' });
      const titleSpan = s('tspan', { class: 'title' });
      const label = s('text', { class: 'label', x: String(TEXT_X) }, keySpan, titleSpan);
      const sub = s('text', { class: 'sub', x: String(TEXT_X) });
      const node = s(
        'g',
        {
          class: 'node',
          transform: `translate(${pos.x - NODE_W / 2},${pos.y - NODE_H / 2})`,
          tabindex: '0',
          role: 'button',
          'aria-describedby': descId,
          dataset: { taskId: n.id },
          on: {
            click: () => this.options.onSelect(n.id),
            keydown: (ev) => {
              if (ev.key === 'Enter' || ev.key === ' ') {
                ev.preventDefault();
                this.options.onSelect(n.id);
              }
            },
            focus: () => {
              this.reveal(pos);
              this.options.onFocusNode?.(this.nodes.get(n.id)?.text?.full ?? null);
            },
            blur: () => this.options.onFocusNode?.(null),
          },
        },
        title,
        // The critical-path mark: a dashed ring outside the box, so the box keeps its status colour.
        s('rect', { class: 'crit-mark', x: '-5', y: '-5', width: String(NODE_W + 10), height: String(NODE_H + 10), rx: '13' }),
        s('rect', { class: 'box', width: String(NODE_W), height: String(NODE_H), rx: '9' }),
        s('rect', { class: 'stripe', width: '5', height: String(NODE_H - 16), x: '0', y: '8', rx: '2' }),
        label,
        sub,
      );
      this.nodes.set(n.id, { el: node, title, label, keySpan, titleSpan, sub, pos, text: null });
      this.nodeLayer.append(node);
    }
  }

  paintNode(n) {
    const parts = this.nodes.get(n.id);
    if (!parts) return;
    const { el, title } = parts;
    const classes = ['node', n.critical && 'critical', n.external && 'external', n.ready && 'ready'];
    const lease = n.leaseExpiresAt ? leaseText(n.leaseExpiresAt) : null;
    if (lease?.expired) classes.push('expired');
    el.setAttribute('class', classes.filter(Boolean).join(' '));
    el.dataset.status = n.status;
    el.dataset.critical = n.critical ? 'true' : 'false';
    const key = n.key ?? '';
    const label = STATUS_LABEL[n.status] ?? n.status;
    // The second line, longest first: the first that fits the node at the current size is drawn.
    let subs;
    if (n.external) subs = [`other mission · ${label}`, label];
    else if (n.holder) subs = [`${n.holder} · ${lease ? lease.text : 'holding'}`, n.holder];
    else if (n.status === 'todo') subs = n.ready ? ['Ready'] : ['Waiting on dependencies', 'Waiting'];
    else subs = [label];
    const full = [
      `${key ? `${key} ` : ''}${n.title}`,
      `Status: ${STATUS_LABEL[n.status] ?? n.status}${n.status === 'todo' ? (n.ready ? ' (ready)' : ' (waiting)') : ''}`,
      n.holder ? `Held by ${n.holder}${lease ? `, lease ${lease.text}` : ''}` : null,
      n.assignedTo && !n.holder ? `Assigned to ${n.assignedTo}` : null,
      n.external ? 'In another mission' : null,
      n.critical ? 'On the critical path' : null,
    ]
      .filter(Boolean)
      .join('. ');
    // The full text is the tooltip and the node's description; what is drawn (maybe abbreviated) is its name.
    title.textContent = full;
    parts.text = { key, title: n.title, subs: subs.map((t) => truncate(t, 34)), full };
  }

  /**
   * The label size for the current scale (user units): 12 at 100 %, growing below it so that it stays
   * MIN_SCREEN_PX on screen; past TWO_LINES_MAX the second line is dropped.
   */
  textMode() {
    const k = this.view.k;
    let size = LABEL_PX * k >= MIN_SCREEN_PX ? LABEL_PX : Math.ceil((MIN_SCREEN_PX / k) * 2) / 2;
    const twoLines = size <= TWO_LINES_MAX;
    if (!twoLines) size = Math.min(size, ONE_LINE_MAX);
    return { size, subSize: (size * SUB_PX) / LABEL_PX, twoLines };
  }

  /** Sizes, places and abbreviates every node's text for the current scale (only when the sizing changed). */
  relabel(force = false) {
    const mode = this.textMode();
    const key = `${mode.size}/${mode.twoLines}`;
    if (!force && key === this.textKey) return;
    this.textKey = key;
    const first = this.nodes.values().next().value;
    this.fontFamily ||= (first && getComputedStyle(first.label).fontFamily) || 'system-ui, sans-serif';
    for (const parts of this.nodes.values()) this.labelNode(parts, mode);
  }

  labelNode(parts, { size, subSize, twoLines }) {
    if (!parts.text) return;
    const { label, keySpan, titleSpan, sub, el } = parts;
    const { key, title, subs } = parts.text;
    const room = NODE_W - TEXT_X - TEXT_END;
    const keyRoom = key ? textWidth(`${key} `, `700 ${size}px ${this.fontFamily}`) : 0;
    const shown = abbreviate(title, room - keyRoom, `${size}px ${this.fontFamily}`);
    keySpan.textContent = key;
    // The trailing space is not drawn; it keeps the label's last word apart from the second line's first in the
    // text the node reads as (a name must contain what is drawn, word for word).
    titleSpan.textContent = `${key ? ' ' : ''}${shown} `;
    label.style.fontSize = `${size}px`;
    let shownSub = subs[0];
    if (twoLines) {
      const font = `${subSize}px ${this.fontFamily}`;
      shownSub = subs.find((t) => textWidth(t, font) <= room) ?? abbreviate(subs[subs.length - 1], room, font);
      const top = (NODE_H - (size * 1.3 + subSize)) / 2;
      label.setAttribute('y', (top + size * 0.82).toFixed(1));
      sub.setAttribute('y', (top + size * 1.3 + subSize * 0.82).toFixed(1));
      sub.style.fontSize = `${subSize}px`;
      sub.style.display = '';
    } else {
      label.setAttribute('y', (NODE_H / 2 + size * 0.35).toFixed(1));
      sub.style.display = 'none';
    }
    sub.textContent = shownSub;
    // The accessible name is what is drawn (so it matches what a sighted user reads); the rest is the description.
    el.setAttribute('aria-label', `${key ? `${key} ` : ''}${shown}, ${shownSub}`);
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
    this.relabel();
  }

  /** The scale that shows every node in the box as it is now. */
  fittedScale() {
    return fitScale(this.size, this.wrap.clientWidth || 800, this.wrap.clientHeight || WRAP_MAX_H);
  }

  /** Shows every node, centred, at the largest scale that fits (never above 100 %). */
  fit() {
    const cw = this.wrap.clientWidth || 800;
    const ch = this.wrap.clientHeight || WRAP_MAX_H;
    const { width, height } = this.size;
    if (!width || !height) return;
    const k = this.fittedScale();
    this.view = { x: (cw - width * k) / 2, y: (ch - height * k) / 2, k };
    this.apply();
  }

  /**
   * Where a graph opens: fitted whole when its labels can stay readable (see OPEN_MIN); a bigger one opens at
   * OPEN_MIN with the head of its critical path at the start edge, and panning (or Fit) shows the rest.
   */
  open() {
    const focus = this.focusId ? this.nodes.get(this.focusId)?.pos : null;
    if (!focus || this.fittedScale() >= OPEN_MIN) {
      this.fit();
      return;
    }
    const cw = this.wrap.clientWidth || 800;
    const ch = this.wrap.clientHeight || WRAP_MAX_H;
    const { width, height } = this.size;
    const k = OPEN_MIN;
    // Along the flow the head starts near the edge; across it, the head is centred.
    const start = (extent, box, p, half) => clamp(-(p - half - 24) * k, box - extent * k, 0);
    const centre = (extent, box, p) => (extent * k <= box ? (box - extent * k) / 2 : clamp(box / 2 - p * k, box - extent * k, 0));
    const lr = this.rankdir === 'LR';
    const x = lr ? start(width, cw, focus.x, NODE_W / 2) : centre(width, cw, focus.x);
    const y = lr ? centre(height, ch, focus.y) : start(height, ch, focus.y, NODE_H / 2);
    this.view = { x: width * k <= cw ? (cw - width * k) / 2 : x, y: height * k <= ch ? (ch - height * k) / 2 : y, k };
    this.apply();
  }

  zoomBy(factor, cx = this.wrap.clientWidth / 2, cy = this.wrap.clientHeight / 2) {
    const k = clamp(this.view.k * factor, Math.min(ZOOM_MIN, this.fittedScale()), ZOOM_MAX);
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

  /** Fit: every node in view; later layouts open on their own again. */
  reset() {
    this.userMoved = false;
    this.fit();
  }

  /** The box changed width (a rotated phone, a resized window): lay out again for it, and fit if the user had not moved. */
  resized() {
    if (!this.graph || !this.wrap.isConnected) return;
    const cw = this.wrap.clientWidth;
    if (!cw || Math.abs(cw - this.laidOutFor) < 1) return;
    const before = this.rankdir;
    const moved = this.userMoved;
    this.shape = null;
    this.render(this.graph, this.selected);
    // A pan made for the other direction means nothing now.
    if (moved && this.rankdir !== before) this.reset();
  }

  /** Stops listening to the window. */
  destroy() {
    window.removeEventListener('resize', this.onResize);
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
    let frame = 0;
    this.onResize = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => this.resized());
    };
    window.addEventListener('resize', this.onResize);
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
