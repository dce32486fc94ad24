// The dashboard's shell: hash routes (deep links for every view), the live connection, sign-in and errors. It drives
// the views through the contract written in view.js.
import { agentsView } from './agents.js';
import { ApiError, forgetToken, getJson, storedToken, Unauthorized } from './api.js';
import { boardView } from './board.js';
import { clear, fill, h, useStatusMeta } from './dom.js';
import { LiveFeed } from './live.js';
import { showLogin } from './login.js';
import { missionView } from './mission.js';

/** @type {Record<string, (ctx: import('./view.js').ViewContext) => import('./view.js').View>} */
const VIEWS = { board: boardView, mission: missionView, agents: agentsView };
const main = document.getElementById('main');
const liveEl = document.getElementById('live');
const whoEl = document.getElementById('who');

/** @type {{ name: string, view: import('./view.js').View } | null} */
let current = null;
let boardQuery = '';
let signingIn = false;
/** @type {Promise<import('./view.js').Meta> | null} */
let meta = null;

/**
 * `#/`, `#/missions/ID`, `#/agents`, each with filters or selection in the query (`#/?project=web`).
 * @returns {import('./view.js').Route}
 */
function parseRoute() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const q = hash.indexOf('?');
  const path = q < 0 ? hash : hash.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : hash.slice(q + 1));
  if (path === '/' || path === '') return { name: 'board', params };
  const m = /^\/missions\/([^/?]+)$/.exec(path);
  if (m) return { name: 'mission', id: decodeURIComponent(m[1]), params };
  if (path === '/agents') return { name: 'agents', params };
  return { name: 'notfound', path, params };
}

const LIVE_LABEL = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' };

const live = new LiveFeed({
  onEvents(events) {
    liveEl.dataset.lastEventId = String(events[events.length - 1].seq);
    if (!current) return;
    current.view.receive?.(events);
    if (current.view.relevant(events)) scheduleRefresh();
  },
  onState(state) {
    liveEl.dataset.state = state;
    liveEl.querySelector('.label').textContent = LIVE_LABEL[state];
  },
  onReady(info) {
    liveEl.dataset.lastEventId = String(info.lastSeq);
    if (info.reset) scheduleRefresh();
  },
  onUnauthorized() {
    void signIn();
  },
});

// One refresh at a time; bursts of events coalesce into the next one.
let refreshTimer = null;
let refreshing = false;
let again = false;
function scheduleRefresh() {
  if (refreshTimer) return;
  refreshTimer = setTimeout(runRefresh, 150);
}
async function runRefresh() {
  refreshTimer = null;
  if (refreshing) {
    again = true;
    return;
  }
  refreshing = true;
  try {
    await current?.view.refresh();
  } catch (error) {
    handleError(error);
  } finally {
    refreshing = false;
    if (again) {
      again = false;
      scheduleRefresh();
    }
  }
}

// Relative times ("expires in 4 minutes") age even when nothing happens: refresh a quiet view now and then.
setInterval(() => {
  if (current && !document.hidden) scheduleRefresh();
}, 30_000);

/** @type {import('./view.js').ViewContext} */
const ctx = {
  getJson,
  /** Views call this with the sequence their data reflects; the stream starts there (once). */
  follow(seq) {
    live.start(seq);
  },
  setTitle(title) {
    document.title = `${title} · Sortie`;
  },
  boardParams: () => boardQuery,
  handleError,
  meta() {
    // Asked again after a failure (a 401 before sign-in, say); never changes while the page is open.
    meta ??= getJson('/api/meta').catch((error) => {
      meta = null;
      throw error;
    });
    return meta;
  },
};

function handleError(error) {
  if (error instanceof Unauthorized) {
    void signIn();
    return;
  }
  current?.view.unmount();
  current = null;
  const notFound = error instanceof ApiError && error.status === 404;
  fill(
    main,
    h(
      'section',
      { class: 'panel error-box', role: 'alert' },
      h('h1', {}, notFound ? 'Not found' : 'Something went wrong'),
      h('p', {}, error.message),
      error.hint ? h('p', { class: 'hint' }, error.hint) : null,
      h(
        'p',
        {},
        h('a', { href: '#/' }, '← Back to the board'),
        ' ',
        h('button', { class: 'btn small', type: 'button', on: { click: () => route(true) } }, 'Retry'),
      ),
    ),
  );
}

function markNav(name) {
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function route(force = false) {
  if (signingIn) return;
  const r = parseRoute();
  markNav(r.name === 'mission' ? 'board' : r.name);
  if (r.name === 'board') boardQuery = r.params.toString() ? `?${r.params}` : '';
  try {
    if (!force && current && current.name === r.name && current.view.update && (await current.view.update(r))) return;
    current?.view.unmount();
    current = null;
    clear(main);
    if (r.name === 'notfound') {
      handleError(new ApiError(404, { message: `No view at ${r.path}`, hint: 'Try the board or the agents page.' }));
      return;
    }
    // Labels and status sets come from the server; every view draws with them.
    useStatusMeta(await ctx.meta());
    const view = VIEWS[r.name](ctx);
    current = { name: r.name, view };
    main.dataset.view = r.name;
    await view.mount(main, r);
    ctx.setTitle(view.title());
    main.focus({ preventScroll: true });
  } catch (error) {
    handleError(error);
  }
}

function renderWho(session) {
  const parts = [h('span', {}, session.agent), session.role ? h('span', { class: 'prio' }, session.role) : null];
  if (storedToken()) {
    parts.push(
      h(
        'button',
        {
          class: 'btn small',
          type: 'button',
          on: {
            click: () => {
              forgetToken();
              location.reload();
            },
          },
        },
        'Sign out',
      ),
    );
  }
  fill(whoEl, ...parts);
}

/** Shows the login (the server said 401), then resumes where the user was. */
async function signIn() {
  if (signingIn) return;
  signingIn = true;
  live.stop();
  current?.view.unmount();
  current = null;
  clear(whoEl);
  // A stored token that now gets 401 was revoked or mistyped: say so, and drop it.
  const rejected = storedToken() !== null;
  if (rejected) forgetToken();
  main.dataset.view = 'login';
  const session = await showLogin(main, { rejected });
  signingIn = false;
  renderWho(session);
  await route(true);
}

async function start() {
  window.addEventListener('hashchange', () => route());
  try {
    renderWho(await getJson('/api/session'));
  } catch (error) {
    if (error instanceof Unauthorized) return signIn();
    handleError(error);
    return;
  }
  await route();
}

void start();
