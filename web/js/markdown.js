// Briefs are markdown from untrusted sources (issue text, other agents): raw HTML in them is shown as text, and
// the rendered result is sanitized before it touches the page. The page's Content-Security-Policy (no inline
// script) is the third wall.
import { Marked } from '/vendor/marked.js';
import DOMPurify from '/vendor/purify.js';
import { safeHref } from './dom.js';

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

const marked = new Marked({
  gfm: true,
  breaks: false,
  renderer: {
    // Block and inline HTML are rendered as the literal text the author wrote (a block as its own paragraph).
    html({ text, block }) {
      return block ? `<p>${escapeHtml(text.trim())}</p>\n` : escapeHtml(text);
    },
  },
});

const purifier = DOMPurify(window);
purifier.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && node.hasAttribute('href')) {
    // DOMPurify keeps mailto:, ftp:, tel: and other schemes; a brief links only to http(s), like the rest of the page.
    const href = safeHref(node.getAttribute('href'));
    if (!href) {
      node.removeAttribute('href');
      return;
    }
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

const CONFIG = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed', 'svg', 'math'],
  FORBID_ATTR: ['style', 'class', 'id'],
  RETURN_DOM_FRAGMENT: true,
};

/** Markdown → a sanitized DocumentFragment. */
export function renderMarkdown(text) {
  const html = marked.parse(text ?? '', { async: false });
  return purifier.sanitize(html, CONFIG);
}
