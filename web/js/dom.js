// DOM helpers: every string becomes a text node (never HTML), plus the formatting the views share.

/**
 * Creates an element. `attrs`: class, text, dataset (object), on (object of listeners), and any other attribute
 * (null/false skip it, true sets it empty). Children: nodes, strings (as text), arrays, or null.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

/** The same for SVG elements. */
export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

function applyAttrs(el, attrs) {
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'dataset') {
      for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) el.dataset[k] = String(v);
    } else if (key === 'on') for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/** Replaces an element's children (null, false and undefined children are skipped, never shown as text). */
export function fill(el, ...children) {
  return append(clear(el), children);
}

// What the dashboard knows of statuses comes from the server's status traits (`GET /api/meta`): the shell passes
// them to useStatusMeta before any view draws, so the front end keeps no copy of a label or a status list.
/** The label of each mission and task status. */
export const STATUS_LABEL = {};
/** Task statuses in the order the dashboard lists them. */
export const TASK_STATUSES = [];
const OPEN_MISSION_STATUSES = new Set();

/** @param {import('./view.js').Meta} meta */
export function useStatusMeta(meta) {
  Object.assign(STATUS_LABEL, meta.missionStatuses.labels, meta.taskStatuses.labels);
  TASK_STATUSES.splice(0, TASK_STATUSES.length, ...meta.taskStatuses.order);
  for (const s of meta.missionStatuses.open) OPEN_MISSION_STATUSES.add(s);
}

/** Not yet complete or cancelled. */
export function isOpenMission(status) {
  return OPEN_MISSION_STATUSES.has(status);
}

export function statusPill(status, label) {
  return h('span', { class: 'status', dataset: { status } }, label ?? STATUS_LABEL[status] ?? status);
}

export function priorityTag(priority) {
  return h('span', { class: ['prio', priority], title: `Priority: ${priority}` }, priority);
}

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const STEPS = [
  [60, 'second'],
  [60, 'minute'],
  [24, 'hour'],
  [7, 'day'],
  [4.35, 'week'],
  [12, 'month'],
  [Number.POSITIVE_INFINITY, 'year'],
];

/** "3 minutes ago", "in 12 minutes" — relative to `now` (ms). */
export function relative(iso, now = Date.now()) {
  if (!iso) return '—';
  let value = (Date.parse(iso) - now) / 1000;
  for (const [size, unit] of STEPS) {
    if (Math.abs(value) < size) return rtf.format(Math.round(value), unit);
    value /= size;
  }
  return iso;
}

const dateFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const timeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function shortDate(iso) {
  return iso ? dateFmt.format(new Date(iso)) : '—';
}

export function dateTime(iso) {
  return iso ? timeFmt.format(new Date(iso)) : '—';
}

/** A <time> element showing relative time, with the exact time as its tooltip. */
export function timeAgo(iso, now) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: iso, title: dateTime(iso) }, relative(iso, now));
}

/** A lease expiry in words: "12 min left" or "expired 3 min ago". */
export function leaseText(iso, now = Date.now()) {
  const left = Date.parse(iso) - now;
  if (left <= 0) return { text: `lease expired ${relative(iso, now)}`, expired: true };
  const minutes = Math.round(left / 60_000);
  return { text: minutes < 1 ? 'lease <1 min left' : minutes < 120 ? `lease ${minutes} min left` : `lease until ${dateTime(iso)}`, expired: false };
}

/** A lease expiry, flagged when it ran out or runs out within five minutes. */
export function leaseLabel(iso, now = Date.now()) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const left = Date.parse(iso) - now;
  const cls = left <= 0 ? 'lease expired' : left < 5 * 60_000 ? 'lease soon' : 'lease';
  return h(
    'time',
    { class: cls, datetime: iso, title: `Lease expires ${dateTime(iso)}` },
    left <= 0 ? `expired ${relative(iso, now)}` : `expires ${relative(iso, now)}`,
  );
}

/** Only http(s) URLs ever become links; anything else is shown as text. */
export function safeHref(url) {
  try {
    const u = new URL(url, location.origin);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : null;
  } catch {
    return null;
  }
}

export function externalLink(url, text) {
  const href = safeHref(url);
  return href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, text ?? url) : h('span', {}, text ?? url);
}

export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

/** Shows a short message at the bottom of the screen. */
export function toast(message) {
  const el = document.getElementById('toast');
  if (!el) return;
  el.textContent = message;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    el.hidden = true;
  }, 3500);
}

/** One labelled progress bar (0–100, clamped; null or undefined shows as not reported), as three grid cells. */
export function progressBar(label, value, kind) {
  const pct = value === null || value === undefined ? null : Math.max(0, Math.min(100, value));
  const inner = h('span');
  inner.style.width = `${pct ?? 0}%`;
  return [
    h('span', {}, label),
    h(
      'div',
      {
        class: ['bar', kind],
        role: 'progressbar',
        'aria-label': `${label} progress`,
        'aria-valuemin': '0',
        'aria-valuemax': '100',
        'aria-valuenow': pct === null ? null : String(pct),
        'aria-valuetext': pct === null ? 'not reported' : `${pct}%`,
      },
      inner,
    ),
    h('span', { class: 'pct', dataset: { progress: kind } }, pct === null ? '—' : `${pct}%`),
  ];
}

/** The warning badges of a mission (board card, mission header); empty when there is nothing to warn about. */
export function warningBadges(w, stalledMinutes) {
  const out = [];
  if (w.overdue) out.push(h('span', { class: 'warn bad', dataset: { warning: 'overdue' }, title: 'The target date has passed' }, 'Overdue'));
  if (w.failed) out.push(h('span', { class: 'warn bad', dataset: { warning: 'failed' }, title: 'Failed tasks block their dependents' }, `${w.failed} failed`));
  if (w.expiredLeases)
    out.push(
      h(
        'span',
        { class: 'warn bad', dataset: { warning: 'expired' }, title: 'Claims whose lease ran out; the sweep will return them to todo' },
        plural(w.expiredLeases, 'expired lease'),
      ),
    );
  if (w.stalled)
    out.push(
      h(
        'span',
        { class: 'warn', dataset: { warning: 'stalled' }, title: `Ready tasks nobody claimed for over ${stalledMinutes} minutes` },
        `${w.stalled} stalled`,
      ),
    );
  if (w.overdueTasks)
    out.push(
      h('span', { class: 'warn', dataset: { warning: 'overdue-tasks' }, title: 'Open tasks past their due date' }, `${plural(w.overdueTasks, 'task')} overdue`),
    );
  return out;
}
