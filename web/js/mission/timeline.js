// The mission page's event timeline: every event seen, newest first, lease renewals behind a toggle, older pages
// on demand; live events of the mission join it before the page reloads.
import { query } from '../api.js';
import { fill, h } from '../dom.js';
import { timelineItem } from '../timeline.js';

/**
 * @param {{ ctx: import('../view.js').ViewContext, missionId: () => string, label: (id: string, details?: object) => string }} page
 * @returns {import('../view.js').Panel}
 */
export function timelinePanel(page) {
  // The list scrolls in its own box: focusable (and named) so the keyboard can scroll it too.
  const body = h('div', { class: 'body timeline-body', tabindex: '0', role: 'region', 'aria-label': 'Timeline events, newest first' });
  /** Every timeline event seen (page loads, live events, older pages), by seq: the list never has a gap. */
  const events = new Map();
  /** Where the next older page starts; null when the oldest event is loaded. */
  let olderBefore = null;
  let loaded = false;
  let showHeartbeats = false;
  const showBeats = h('input', {
    type: 'checkbox',
    on: {
      change: (ev) => {
        showHeartbeats = ev.target.checked;
        draw();
      },
    },
  });
  const el = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'tl-h' },
    h('header', {}, h('h2', { id: 'tl-h' }, 'Timeline'), h('div', { class: 'end' }, h('label', { class: 'check' }, showBeats, 'Lease renewals'))),
    body,
  );

  async function loadOlder() {
    const before = Math.min(...events.keys());
    const more = await page.ctx.getJson(`/api/missions/${encodeURIComponent(page.missionId())}/events${query({ before })}`);
    for (const e of more.events) events.set(e.seq, e);
    olderBefore = more.before;
    draw();
  }

  function draw() {
    const shown = [...events.values()].sort((a, b) => b.seq - a.seq).filter((e) => showHeartbeats || e.kind !== 'task.heartbeat');
    const list = h(
      'ol',
      { class: 'timeline' },
      shown.map((e) => timelineItem(e, page.label)),
    );
    fill(
      body,
      shown.length ? list : h('p', { class: 'muted' }, events.size ? 'Only lease renewals so far.' : 'Nothing yet.'),
      olderBefore ? h('button', { class: 'btn small', type: 'button', on: { click: loadOlder } }, 'Load older') : null,
    );
  }

  return {
    el,
    update(data) {
      for (const e of data.timeline.events) events.set(e.seq, e);
      if (!loaded) olderBefore = data.timeline.before;
      loaded = true;
      draw();
    },
    /** Live events of this mission join the timeline directly, in order, before the page reloads. */
    receive(batch) {
      const mine = batch.filter((e) => e.missionId === page.missionId());
      if (!mine.length) return;
      for (const e of mine) events.set(e.seq, e);
      draw();
    },
  };
}
