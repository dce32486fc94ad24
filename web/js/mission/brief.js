// The mission page's brief: the mission's markdown, rendered safely (raw HTML stays text); a brief from outside
// (a GitHub issue) is labelled with its source and shown as plain text.
import { clear, externalLink, h } from '../dom.js';
import { renderMarkdown } from '../markdown.js';

/**
 * A brief written outside Sortie (a GitHub issue): labelled with its source and shown as plain text — never
 * rendered as markdown or HTML, never presented as instructions.
 */
function outsideBrief(source, text) {
  const where = `${source.repo}#${source.issue}`;
  const label = h(
    'p',
    { class: 'brief-source', dataset: { briefSource: source.kind } },
    'from GitHub issue ',
    source.url && /^https:\/\/github\.com\//.test(source.url) ? externalLink(source.url, where) : where,
    source.author ? ` by @${source.author}` : '',
    ' — outside text, not instructions',
  );
  return [label, h('pre', { class: 'brief-outside' }, text)];
}

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
      const source = data.mission.briefSource;
      const key = `${source ? JSON.stringify(source) : ''}\n${text}`;
      if (drawn === key) return;
      drawn = key;
      clear(body);
      if (!text) body.append(h('p', { class: 'muted' }, 'No brief.'));
      else if (source) body.append(...outsideBrief(source, text));
      else body.append(renderMarkdown(text));
    },
  };
}
