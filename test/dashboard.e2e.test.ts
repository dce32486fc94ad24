// The dashboard end to end: a real `sortie serve`, real MCP clients doing the work, and Debian's Chromium
// (driven by playwright-core) watching the board and the mission page change live — plus the graph checked
// against the database, a hostile brief that must stay text, the pilot's actions, and the token login.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentClient } from './support/clients.js';
import { ARTIFACTS, agent, type DashboardServer, launchChromium, startServer } from './support/dashboard.js';
import { storedGraph } from './support/graph.js';
import { openTestSortie, type TestSortie, tempDir } from './support/sortie.js';

const HOSTILE_BRIEF = [
  '# Checkout plan',
  '',
  'Ship the **new checkout** in four steps.',
  '',
  '<script>window.__pwned = "script"</script>',
  '',
  '<img src="x" onerror="window.__pwned = \'img\'">',
  '',
  '[click me](javascript:window.__pwned=1)',
  '',
  '[a file](file:///etc/passwd) [ftp](ftp://example.com/x) [mail](mailto:a@example.com) [the docs](https://example.com/docs)',
].join('\n');

const card = (page: Page, missionId: string) => page.locator(`.card[data-mission-id="${missionId}"]`);
const node = (page: Page, taskId: string) => page.locator(`.graph .node[data-task-id="${taskId}"]`);

describe('dashboard end to end (Chromium)', () => {
  let server: DashboardServer;
  let store: TestSortie;
  let browser: Browser;
  let page: Page;
  let pia: AgentClient;
  let bob: AgentClient;
  let missionId: string;
  const t: Record<'design' | 'client' | 'cart' | 'page', string> = { design: '', client: '', cart: '', page: '' };
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const dbPath = join(tempDir('sortie-e2e-'), 'sortie.db');
    server = await startServer(dbPath);
    store = await openTestSortie(dbPath);
    pia = await agent(server.url, 'pia');
    bob = await agent(server.url, 'bob');

    const mission = await pia.call('create_mission', {
      name: 'Checkout redesign',
      project: 'web',
      priority: 'high',
      pilot: 'pia',
      agents: ['bob'],
      status: 'plan',
      description: 'The new checkout, built by two agents.',
      brief: HOSTILE_BRIEF,
      targetDate: '2030-01-01',
    });
    missionId = mission.missionId;
    const task = async (title: string, dependsOn: string[] = []) =>
      (await pia.call('create_task', { title, missionId, dependsOn, priority: 'medium' })).taskId as string;
    t.design = await task('Design the flow');
    t.client = await task('Payment client', [t.design]);
    t.cart = await task('Cart page', [t.design]);
    t.page = await task('Checkout page', [t.client, t.cart]);
    await pia.call('update_mission_status', { missionId, status: 'execute' });
    await bob.call('checkout_task', { taskId: t.design });

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await pia?.close();
    await bob?.close();
    await store?.close();
    await server?.stop();
  });

  it('shows the board, and a task completed over MCP changes the card without a reload', async () => {
    await page.goto(`${server.url}/`);
    const c = card(page, missionId);
    await c.waitFor();
    expect(await c.evaluate((el) => el.closest('.column')?.getAttribute('data-status'))).toBe('execute');
    expect(await c.locator('[data-count="in_progress"]').textContent()).toBe('1 in progress');
    expect(await c.locator('[data-count="todo"]').textContent()).toBe('3 to do');
    expect(await c.locator('[data-progress="computed"]').textContent()).toBe('0%');
    await page.locator('#live[data-state="live"]').waitFor();
    expect(await page.locator('section[data-view="login"]').count()).toBe(0);
    await page.evaluate(() => {
      (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
    });

    await bob.call('complete_task', { taskId: t.design, completionNote: 'Flow written up in docs/checkout.md (commit 3f2c9e1a7b)' });
    await c.locator('[data-count="done"]').waitFor();
    expect(await c.locator('[data-count="done"]').textContent()).toBe('1 done');
    await page.waitForFunction((id) => document.querySelector(`.card[data-mission-id="${id}"] [data-progress="computed"]`)?.textContent === '25%', missionId);
    expect(await c.locator('[data-count="in_progress"]').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-board.png'), fullPage: true });
  });

  it('opens the mission page: the graph matches the database and changes live as agents work', async () => {
    await card(page, missionId).locator('.card-title').click();
    await page.locator('.graph .node').first().waitFor();
    expect(page.url()).toContain(`#/missions/${missionId}`);

    const stored = await storedGraph(store.database, missionId);
    const drawn = await page.$$eval('.graph .node', (els) => els.map((el) => [el.getAttribute('data-task-id'), el.getAttribute('data-status')]));
    expect(drawn.sort()).toEqual(stored.nodes.map((r) => [r.id, r.status]).sort());
    const edges = await page.$$eval('.graph path.edge', (els) => els.map((el) => `${el.getAttribute('data-from')}>${el.getAttribute('data-to')}`));
    expect(edges.sort()).toEqual(stored.edges);
    // The critical path runs through the open chain into the checkout page.
    expect(await node(page, t.page).getAttribute('data-critical')).toBe('true');
    expect(await node(page, t.design).getAttribute('data-critical')).toBe('false');

    await page.evaluate(() => {
      (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
    });
    await bob.call('checkout_task', { taskId: t.client });
    await page.waitForFunction((id) => document.querySelector(`.graph .node[data-task-id="${id}"]`)?.getAttribute('data-status') === 'in_progress', t.client);
    expect(await node(page, t.client).locator('text.sub').textContent()).toMatch(/^bob · lease \d+ min left$/);
    await bob.call('complete_task', { taskId: t.client, completionNote: 'client merged in PR #42, 12/12 tests' });
    await page.waitForFunction((id) => document.querySelector(`.graph .node[data-task-id="${id}"]`)?.getAttribute('data-status') === 'done', t.client);
    await page.locator('ol.timeline li[data-kind="task.completed"]').nth(1).waitFor();
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  });

  it('renders a brief containing <script> as text; nothing in it runs', async () => {
    const brief = page.locator('[data-brief]');
    await brief.locator('h1').waitFor();
    expect(await brief.locator('h1').textContent()).toBe('Checkout plan');
    expect(await brief.locator('strong').textContent()).toBe('new checkout');
    const text = (await brief.textContent()) ?? '';
    expect(text).toContain('<script>window.__pwned = "script"</script>');
    expect(text).toContain('<img src="x" onerror=');
    expect(await brief.locator('script, img, [onerror]').count()).toBe(0);
    expect(await brief.locator('a[href^="javascript"]').count()).toBe(0);
    // Only http(s) becomes a link; the other schemes stay as their text.
    expect(await brief.locator('a[href]').evaluateAll((links) => links.map((a) => a.getAttribute('href')))).toEqual(['https://example.com/docs']);
    expect(text).toContain('a file ftp mail the docs');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
  });

  it('opens a task from the graph with the keyboard, links the selection, and saves a screenshot', async () => {
    await node(page, t.client).focus();
    await page.keyboard.press('Enter');
    const detail = page.locator('section.detail');
    await detail.locator('h2', { hasText: 'Payment client' }).waitFor();
    expect(page.url()).toContain(`?task=${t.client}`);
    expect(await detail.locator('.evidence li').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-mission.png'), fullPage: true });
    // The deep link restores the same view in a fresh tab.
    const other = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await other.goto(page.url());
    await other.locator('section.detail h2', { hasText: 'Payment client' }).waitFor();
    expect(await other.locator(`.graph .node.selected[data-task-id="${t.client}"]`).count()).toBe(1);
    await other.close();
    await page.keyboard.press('Escape');
    await detail.waitFor({ state: 'hidden' });
  });

  it('shows the agents page with what each agent holds and its unread messages, updated live', async () => {
    await bob.call('checkout_task', { taskId: t.cart });
    // pia's inbox is emptied (acknowledging records no event); bob's keeps what the mission's work told him.
    const piaInbox = await store.sortie.inbox({ agent: 'pia' }, { limit: 200 });
    if (piaInbox.messages.length) await store.sortie.ackMessages({ agent: 'pia' }, { ids: piaInbox.messages.map((m) => m.id) });
    const unread = (await store.sortie.inbox({ agent: 'bob' }, {})).unread;
    expect(unread).toBeGreaterThan(0);
    await page.goto(`${server.url}/#/agents`);
    const row = page.locator('tr[data-agent="bob"]');
    await row.waitFor();
    expect(await row.locator(`[data-held-task="${t.cart}"]`).count()).toBe(1);
    expect(await row.locator('time.lease').textContent()).toMatch(/^expires in /);

    const badge = row.locator('th .unread');
    expect(await badge.getAttribute('data-unread')).toBe(String(unread));
    // It reads "N unread messages"; the last word is for screen readers only, so the visible badge stays short.
    expect(await badge.textContent()).toBe(`${unread} unread ${unread === 1 ? 'message' : 'messages'}`);
    expect(await badge.locator('.visually-hidden').textContent()).toBe(unread === 1 ? ' message' : ' messages');
    expect(await page.locator('tr[data-agent="pia"] .unread').count()).toBe(0);

    // A message to bob is an event: the page reloads and the badge counts it.
    await pia.call('send_message', { to: 'bob', text: 'Cart page first, please', missionId });
    await page.waitForFunction((n) => document.querySelector('tr[data-agent="bob"] .unread')?.getAttribute('data-unread') === String(n), unread + 1);
    expect(await badge.textContent()).toBe(`${unread + 1} unread messages`);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-agents.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('lets the pilot report progress and move the mission from the page', async () => {
    await page.goto(`${server.url}/#/missions/${missionId}`);
    const form = page.locator('.actions form');
    await form.locator('input[name="progress"]').fill('70');
    await form.locator('input[name="note"]').fill('two of four steps done');
    await form.locator('button[type="submit"]').click();
    await page.waitForFunction(() => document.querySelector('.mission-head [data-progress="reported"]')?.textContent === '70%');
    expect((await store.sortie.getMission({ agent: 'pia' }, { missionId })).progress).toBe(70);

    await page.locator('[data-move="cancelled"]').click();
    await page.locator('.actions input[aria-label^="Reason"]').waitFor();
    const before = await store.sortie.listEvents({ agent: 'pia' }, { missionId, limit: 500 });
    await page.locator('.actions button', { hasText: 'Back' }).click();
    await page.locator('[data-move="validate"]').click();
    await page.waitForFunction(() => document.querySelector('.mission-head .status')?.getAttribute('data-status') === 'validate');
    const after = await store.sortie.getMission({ agent: 'pia' }, { missionId });
    expect(after.status).toBe('validate');
    const events = await store.sortie.listEvents({ agent: 'pia' }, { missionId, since: before.lastSeq });
    expect(events.items.map((e) => [e.kind, e.actor])).toEqual([['mission.status_changed', 'operator']]);
  });

  it('shows the token login only when the server answers 401, and sends the token once signed in', async () => {
    const context = await browser.newContext();
    const guarded = await context.newPage();
    const seen: string[] = [];
    await guarded.route('**/api/**', async (route) => {
      const auth = route.request().headers().authorization;
      seen.push(auth ?? '');
      if (auth === 'Bearer sortie_good_token') return route.continue();
      return route.fulfill({
        status: 401,
        contentType: 'application/json',
        headers: { 'www-authenticate': 'Bearer realm="sortie"' },
        body: JSON.stringify({ error: { code: 'UNAUTHORIZED', message: 'this server requires a bearer token', hint: '', details: {} } }),
      });
    });
    await guarded.goto(`${server.url}/`);
    await guarded.locator('section[data-view="login"]').waitFor();
    await guarded.locator('#token').fill('sortie_wrong');
    await guarded.locator('#token').press('Enter');
    await guarded.locator('.login .form-error:not([hidden])').waitFor();
    expect(await guarded.evaluate(() => sessionStorage.getItem('sortie.token'))).toBeNull();
    await guarded.locator('#token').fill('sortie_good_token');
    await guarded.locator('#token').press('Enter');
    await card(guarded, missionId).waitFor();
    expect(await guarded.locator('section[data-view="login"]').count()).toBe(0);
    expect(await guarded.evaluate(() => sessionStorage.getItem('sortie.token'))).toBe('sortie_good_token');
    expect(seen).toContain('Bearer sortie_good_token');
    await context.close();
  });
});
