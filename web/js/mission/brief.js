// The mission page's brief: the mission's markdown, rendered safely (raw HTML stays text).
import { clear, h } from '../dom.js';
import { renderMarkdown } from '../markdown.js';

/** @returns {import('../view.js').Panel} */
export function briefPanel() {
  const body = h('div', { class: 'body brief', dataset: { brief: '' } });
  const el = h('section', { class: 'panel', 'aria-labelledby': 'brief-h' }, h('header', {}, h('h2', { id: 'brief-h' }, 'Brief')), body);
  /** The brief as last drawn: the markdown is parsed again only when it changes. */
  let drawn = null;

  return {
    el,
    update(data) {
      const text = data.mission.brief ?? '';
      if (drawn === text) return;
      drawn = text;
      clear(body);
      if (!text) body.append(h('p', { class: 'muted' }, 'No brief.'));
      else body.append(renderMarkdown(text));
    },
  };
}
