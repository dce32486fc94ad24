// The contract between the dashboard's shell (main.js), its views (board, mission, agents) and the panels a page is
// made of. Written once here; every view and panel module points at these types.

/**
 * Where the hash URL points: `#/` (board), `#/missions/ID` (mission), `#/agents`, each with its query.
 * @typedef {object} Route
 * @property {'board' | 'mission' | 'agents' | 'notfound'} name
 * @property {string} [id] The mission id or name of `#/missions/ID`.
 * @property {string} [path] The unknown path of a `notfound` route.
 * @property {URLSearchParams} params Filters or selection (`?project=web`, `?task=ID`).
 */

/**
 * What the shell gives every view.
 * @typedef {object} ViewContext
 * @property {(path: string) => Promise<any>} getJson Reads the API (throws `ApiError`, or `Unauthorized` on a 401).
 * @property {(seq: number) => void} follow Called with the event sequence the view's data reflects: the change
 *   feed starts there (once), so no event between the read and the stream is missed.
 * @property {(title: string) => void} setTitle Sets the document title.
 * @property {() => string} boardParams The board's last query (`?project=web` or ''), for a link back to it.
 * @property {(error: unknown) => void} handleError Shows an error in place of the view (or the sign-in on a 401).
 * @property {() => Promise<Meta>} meta The server's status sets and labels (`GET /api/meta`), read once per page load.
 */

/**
 * A view: one page of the dashboard, made by a factory `(ctx: ViewContext) => View` that main.js calls on every
 * route change to a different view. The shell calls `mount` once, then `update` for routes within the same view,
 * `receive` and `relevant` for every batch of live events, `refresh` (coalesced, one at a time) when a batch was
 * relevant or time passed, and `unmount` when it leaves. A view whose data arrives after `unmount` draws nothing.
 * @typedef {object} View
 * @property {() => string} title The document title for what the view shows now.
 * @property {(el: HTMLElement, route: Route) => Promise<void>} mount Draws the view into `el` (emptied by the
 *   shell) and loads its data; a rejection is shown by the shell.
 * @property {(route: Route) => Promise<boolean>} [update] A new route for this view (filters, selection): true
 *   when the view followed it in place, false to be unmounted and mounted again.
 * @property {(events: FeedEvent[]) => boolean} relevant Whether a batch of live events changes what the view shows.
 * @property {() => Promise<void>} refresh Loads the data again and redraws in place, keeping focus, what the user
 *   is typing and what they opened.
 * @property {(events: FeedEvent[]) => void} [receive] Every live batch, before `relevant`: for views that show
 *   events themselves without waiting for the refresh.
 * @property {() => void} unmount Removes listeners; later loads draw nothing.
 */

/**
 * A panel: one part of a page (the mission page's header, actions, graph, tasks, task detail, brief, evidence and
 * timeline). The page owns the data, the layout and the selection; a panel owns its element and its own state
 * between draws (what is open, what is being typed). Made by a factory `(page) => Panel`, where `page` is what the
 * page shares with its panels (for the mission page: the view context, the mission id, the selected task, task
 * labels, and `selectTask`).
 * @typedef {object} Panel
 * @property {HTMLElement} el The panel's root, created by the factory; the page places it once.
 * @property {(data: any) => void | Promise<void>} update Draws from the page's latest data, after every load;
 *   redrawing must keep focus and what the user is doing. A promise is awaited by the page's load.
 * @property {(events: FeedEvent[]) => void} [receive] Live events, passed on from the view's `receive`.
 * @property {(taskId: string | null, fromUser: boolean) => void} [select] The page's selection changed (mission
 *   page: a task); `fromUser` when the user made it here (a click, a key), not a link or the back button.
 * @property {() => void} [unmount] The page left: later answers draw nothing.
 */

/**
 * What the server's status traits tell the dashboard: the open sets its figures count, the labels it shows, the
 * order it lists task statuses in. The front end keeps no copy of them.
 * @typedef {object} Meta
 * @property {{ open: string[], labels: Record<string, string> }} missionStatuses
 * @property {{ open: string[], order: string[], labels: Record<string, string> }} taskStatuses
 */

/**
 * One event of the change feed, as `/api/stream` and the timelines carry it.
 * @typedef {object} FeedEvent
 * @property {number} seq
 * @property {string} kind
 * @property {string | null} [missionId]
 * @property {string | null} [taskId]
 */

export {};
