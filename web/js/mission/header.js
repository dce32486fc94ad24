// The mission page's header: name, status, priority, description, the facts, both progress figures and warnings.
import { fill, h, priorityTag, progressBar, shortDate, statusPill, timeAgo, warningBadges } from '../dom.js';

function fact(label, value) {
  return h('div', {}, h('dt', {}, label), h('dd', {}, value ?? '—'));
}

function warnings(w, stalledMinutes) {
  const out = warningBadges(w, stalledMinutes);
  return out.length ? h('div', { class: 'warnings' }, out) : null;
}

/** @returns {import('../view.js').Panel} */
export function headerPanel() {
  const el = h('div');
  return {
    el,
    update(page) {
      const m = page.mission;
      fill(
        el,
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
        h(
          'div',
          { class: 'head-bars' },
          h('div', { class: 'bars' }, progressBar('Reported', m.progress, 'reported'), progressBar('Computed', m.computedProgress, 'computed')),
        ),
        warnings(page.warnings, page.stalledMinutes),
      );
    },
  };
}
