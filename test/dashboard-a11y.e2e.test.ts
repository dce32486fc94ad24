// The dashboard on a phone and for everyone: a real `sortie serve` with a 12-task mission, Debian's Chromium at a
// 390×844 viewport (no horizontal page overflow, the board stacked, tables scrolling in their own box), the graph's
// Fit showing every node at a readable size with the critical path drawn unlike the failed status, axe-core on the
// board, the mission page and the agents page in both colour schemes, and a task panel opened from the keyboard
// keeping its header in view.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentClient } from './support/clients.js';
import { ARTIFACTS, agent, type DashboardServer, launchChromium, startServer } from './support/dashboard.js';
import { tempDir } from './support/sortie.js';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const PHONE = { width: 390, height: 844 };
const LAPTOP = { width: 1440, height: 900 };

/** The twelve tasks: [key, title, dependencies]; deep enough (six ranks) that it cannot be drawn at full size. */
const TASKS: Array<[string, string, string[]]> = [
  ['design', 'Write the payments design document', []],
  ['ledger', 'Define the ledger schema and its migrations', ['design']],
  ['tokens', 'Build the card tokenisation client', ['design']],
  ['sandbox', 'Set up the sandbox merchant accounts', ['design']],
  ['refunds', 'Refund and chargeback flows', ['ledger', 'tokens']],
  ['checkout', 'Checkout page with saved cards', ['tokens']],
  ['receipts', 'Email receipts and invoices', ['ledger']],
  ['fraud', 'Fraud scoring webhook', ['tokens', 'sandbox']],
  ['e2e', 'End-to-end payment tests against the sandbox', ['refunds', 'checkout', 'fraud']],
  ['load', 'Load test at 200 payments per second', ['e2e']],
  ['runbook', 'Runbook and on-call documentation', ['receipts', 'e2e']],
  ['release', 'Release to five percent of merchants', ['load', 'runbook']],
];

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; html: string; failureSummary?: string }>;
}

/** Runs axe-core in the page and returns its serious and critical violations, compactly, for a readable failure. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, options: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}, ${v.nodes.length}×): ${v.help} — ${v.nodes
          .slice(0, 5)
          .map((n) => `${JSON.stringify(n.target)} ${n.html.slice(0, 300)} ${n.failureSummary ?? ''}`)
          .join(' | ')}`,
    );
}

/** How far the page itself scrolls sideways: 0 means nothing sticks out of the viewport. */
const pageOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

describe('dashboard on a phone, the graph Fit and accessibility (Chromium)', () => {
  let server: DashboardServer;
  let browser: Browser;
  let pia: AgentClient;
  let bob: AgentClient;
  let missionId: string;
  const ids: Record<string, string> = {};
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];

  async function open(options: { viewport: { width: number; height: number }; colorScheme?: 'light' | 'dark'; bypassCSP?: boolean }): Promise<Page> {
    const context = await browser.newContext(options);
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    return page;
  }

  async function missionPage(page: Page, query = ''): Promise<void> {
    await page.goto(`${server.url}/#/missions/${missionId}${query}`);
    await page
      .locator('.graph .node')
      .nth(TASKS.length - 1)
      .waitFor();
    await page.locator('ol.timeline li').first().waitFor();
  }

  beforeAll(async () => {
    server = await startServer(join(tempDir('sortie-e2e-a11y-'), 'sortie.db'));
    pia = await agent(server.url, 'pia');
    bob = await agent(server.url, 'bob');
    const mission = await pia.call('create_mission', {
      name: 'Payments platform for the marketplace',
      project: 'shop',
      priority: 'urgent',
      pilot: 'pia',
      agents: ['bob'],
      status: 'plan',
      description: 'Card payments, refunds and receipts, from the design to a first release.',
      brief: '# Payments\n\nShip card payments in **six** steps. See `docs/payments.md`.',
      targetDate: '2030-06-01',
    });
    missionId = mission.missionId;
    for (const [name, title, deps] of TASKS) {
      ids[name] = (await pia.call('create_task', { title, missionId, dependsOn: deps.map((d) => ids[d]), priority: 'medium' })).taskId;
    }
    await pia.call('update_mission_status', { missionId, status: 'execute' });
    await bob.call('checkout_task', { taskId: ids.design });
    await bob.call('complete_task', { taskId: ids.design, completionNote: 'Design in docs/payments.md (commit 3f2c9e1a7b)' });
    await bob.call('checkout_task', { taskId: ids.sandbox });
    await bob.call('fail_task', { taskId: ids.sandbox, failureNote: 'The provider has no sandbox in our region yet' });
    await bob.call('checkout_task', { taskId: ids.tokens });
    // Other stages, so the board has more than one full column.
    await pia.call('create_mission', { name: 'Onboarding emails', project: 'shop', pilot: 'pia', status: 'plan' });
    await pia.call('create_mission', {
      name: 'Search relevance experiments with a rather long mission name',
      project: 'search',
      pilot: 'pia',
      status: 'brainstorm',
    });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await pia?.close();
    await bob?.close();
    await server?.stop();
  });

  it('fits a phone: no page overflow on the board, the mission page and the agents page', async () => {
    const page = await open({ viewport: PHONE });
    await page.goto(`${server.url}/`);
    const active = page.locator(`.card[data-mission-id="${missionId}"]`);
    await active.waitFor();
    expect(await pageOverflow(page)).toBe(0);
    // The columns stack: each one as wide as the screen allows, none off to the side; the executing mission's card
    // is on the first screen even though two stages come before it.
    const columns = await page.$$eval('.board .column', (els) => els.map((el) => el.getBoundingClientRect().toJSON() as DOMRect));
    expect(columns.length).toBeGreaterThanOrEqual(5);
    for (const c of columns) {
      expect(c.left).toBeGreaterThanOrEqual(0);
      expect(c.right).toBeLessThanOrEqual(PHONE.width);
    }
    // Stacked on a phone, the open stages come latest first: validate (empty here), then execute, then the rest.
    const order = await page.$$eval('.board .column', (els) => els.map((el) => el.getAttribute('data-status')));
    expect(order.slice(0, 4)).toEqual(['validate', 'execute', 'plan', 'brainstorm']);
    const box = await active.boundingBox();
    expect(box && box.y + box.height).toBeLessThanOrEqual(PHONE.height);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-phone-board.png'), fullPage: true });

    await missionPage(page);
    expect(await pageOverflow(page)).toBe(0);
    // The task table is wider than the phone: it scrolls inside its own box, which stays on screen.
    const wrap = page.locator('.table-wrap').first();
    const scroll = await wrap.evaluate((el) => ({
      overflowX: getComputedStyle(el).overflowX,
      scrolls: el.scrollWidth > el.clientWidth,
      right: el.getBoundingClientRect().right,
    }));
    expect(scroll).toEqual({ overflowX: 'auto', scrolls: true, right: expect.any(Number) });
    expect(scroll.right).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-phone-mission.png'), fullPage: true });

    await page.goto(`${server.url}/#/agents`);
    await page.locator('tr[data-agent="bob"]').waitFor();
    expect(await pageOverflow(page)).toBe(0);
    const agents = await page.locator('.table-wrap').evaluate((el) => ({ overflowX: getComputedStyle(el).overflowX, right: el.getBoundingClientRect().right }));
    expect(agents.overflowX).toBe('auto');
    expect(agents.right).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-phone-agents.png'), fullPage: true });
  });

  for (const viewport of [LAPTOP, PHONE]) {
    it(`fits the whole graph at ${viewport.width}×${viewport.height}: on opening and after Fit every node is inside, labels readable`, async () => {
      const page = await open({ viewport });
      await missionPage(page);
      const wrap = page.locator('.graph-wrap');
      /** Nodes whose box sticks out of the graph's viewport, and the smallest on-screen label size. */
      const measure = () =>
        wrap.evaluate((el) => {
          const frame = el.getBoundingClientRect();
          const outside: string[] = [];
          let smallest = Number.POSITIVE_INFINITY;
          for (const node of el.querySelectorAll<SVGGElement>('.node')) {
            const r = node.querySelector('rect.box')?.getBoundingClientRect();
            if (!r || r.left < frame.left - 0.5 || r.right > frame.right + 0.5 || r.top < frame.top - 0.5 || r.bottom > frame.bottom + 0.5) {
              outside.push(node.dataset.taskId ?? '?');
            }
            const label = node.querySelector<SVGTextElement>('text.label');
            const scale = label?.getScreenCTM()?.a ?? 0;
            smallest = Math.min(smallest, parseFloat(label ? getComputedStyle(label).fontSize : '0') * scale);
          }
          return { outside, smallest };
        });
      const opened = await measure();
      expect(opened.outside).toEqual([]);
      expect(opened.smallest).toBeGreaterThanOrEqual(10);

      // Move away (zoom in, pan), then Fit brings every node back.
      await page.locator('button[aria-label="Zoom in"]').click();
      await page.locator('button[aria-label="Zoom in"]').click();
      await wrap.focus();
      await page.keyboard.press('ArrowLeft');
      expect((await measure()).outside.length).toBeGreaterThan(0);
      await page.locator('.graph-panel button', { hasText: 'Fit' }).click();
      const fitted = await measure();
      expect(fitted.outside).toEqual([]);
      expect(fitted.smallest).toBeGreaterThanOrEqual(10);
      // A label too long for its box is abbreviated (the key and the start of the title); the full title is in
      // its tooltip and description.
      const e2e = page.locator(`.graph .node[data-task-id="${ids.e2e}"]`);
      const key = (await page.locator(`tr[data-task-id="${ids.e2e}"] td`).first().textContent()) ?? '';
      const full = `${key} End-to-end payment tests against the sandbox`;
      const shown = ((await e2e.locator('text.label').textContent()) ?? '').trim();
      expect(shown === full || (shown.endsWith('…') && full.startsWith(shown.slice(0, -1)))).toBe(true);
      expect(shown.length).toBeGreaterThanOrEqual(`${key} End…`.length);
      expect(await e2e.locator('title').textContent()).toContain(full);
      // The focused node's full title is spelled out under the graph.
      await e2e.focus();
      expect(await page.locator('.graph-caption').textContent()).toContain(full);
      await page.screenshot({ path: join(ARTIFACTS, `dashboard-graph-${viewport.width}.png`) });
    });
  }

  it('draws the critical path unlike the failed status, with a legend entry', async () => {
    const page = await open({ viewport: LAPTOP });
    await missionPage(page);
    const style = (taskId: string) =>
      page.locator(`.graph .node[data-task-id="${taskId}"]`).evaluate((el) => {
        const css = (sel: string) => {
          const part = el.querySelector(sel);
          return part ? getComputedStyle(part) : null;
        };
        return {
          critical: el.getAttribute('data-critical'),
          status: el.getAttribute('data-status'),
          box: css('rect.box')?.stroke,
          mark: css('.crit-mark')?.display === 'none' ? null : (css('.crit-mark')?.stroke ?? null),
          markDash: css('.crit-mark')?.strokeDasharray ?? null,
        };
      });
    const failed = await style(ids.sandbox);
    const release = await style(ids.release);
    const plain = await style(ids.receipts);
    expect([failed.status, release.status, plain.status]).toEqual(['failed', 'todo', 'todo']);
    expect(release.critical).toBe('true');
    // A to-do task on the critical path keeps its status colour and gains a mark that is not the failed colour.
    expect(release.box).toBe(plain.box);
    expect(release.box).not.toBe(failed.box);
    expect(release.mark).not.toBeNull();
    expect(release.mark).not.toBe(failed.box);
    expect(release.markDash).not.toBe('none');
    expect(plain.mark).toBeNull();
    const criticalEdge = await page
      .locator('.graph path.edge.critical')
      .first()
      .evaluate((el) => getComputedStyle(el).stroke);
    expect(criticalEdge).not.toBe(failed.box);
    expect(await page.locator('.graph-legend .legend-item', { hasText: 'Critical path' }).count()).toBe(1);
    expect(await page.locator('.graph-legend .legend-item', { hasText: 'Failed' }).count()).toBe(1);
  });

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`has no serious or critical axe violations on the board, the mission page and the agents page (${colorScheme})`, async () => {
      // axe is injected as an inline script, which the page's Content-Security-Policy (rightly) forbids.
      const page = await open({ viewport: LAPTOP, colorScheme, bypassCSP: true });
      expect(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)).toBe(colorScheme === 'dark');
      await page.goto(`${server.url}/`);
      await page.locator(`.card[data-mission-id="${missionId}"]`).waitFor();
      await page.locator('#live[data-state="live"]').waitFor();
      const board = await seriousViolations(page);

      await missionPage(page, `?task=${ids.tokens}`);
      await page.locator('section.detail h2').waitFor();
      const mission = await seriousViolations(page);

      await page.goto(`${server.url}/#/agents`);
      await page.locator('tr[data-agent="bob"]').waitFor();
      const agents = await seriousViolations(page);
      expect({ board, mission, agents }).toEqual({ board: [], mission: [], agents: [] });
    });
  }

  for (const viewport of [LAPTOP, PHONE]) {
    it(`opens a task panel from the keyboard with its header in view (${viewport.width}×${viewport.height})`, async () => {
      const page = await open({ viewport });
      await missionPage(page);
      // From the graph, then from the task table further down the page.
      await page.locator(`.graph .node[data-task-id="${ids.checkout}"]`).focus();
      await page.keyboard.press('Enter');
      await expectHeaderInView(page, 'Checkout page with saved cards');
      await page.keyboard.press('Escape');
      await page.locator('section.detail').waitFor({ state: 'hidden' });
      // Closing gives the focus back to the node that opened the panel.
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-task-id'))).toBe(ids.checkout);

      const fromTable = page.locator(`tr[data-task-id="${ids.runbook}"] button.linkish`);
      await fromTable.focus();
      await page.keyboard.press('Enter');
      await expectHeaderInView(page, 'Runbook and on-call documentation');
      expect(pageErrors).toEqual([]);
    });
  }
});

/** The task panel's heading is on screen, below the sticky top bar, and has the keyboard focus. */
async function expectHeaderInView(page: Page, title: string): Promise<void> {
  const heading = page.locator('section.detail h2', { hasText: title });
  await heading.waitFor();
  // Scrolling may be smooth; wait for it to settle before measuring.
  await page.waitForFunction(
    () =>
      new Promise<boolean>((resolve) => {
        const y = window.scrollY;
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(window.scrollY === y)));
      }),
  );
  const where = await heading.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const bar = document.querySelector('.topbar')?.getBoundingClientRect().bottom ?? 0;
    return { top: r.top, bottom: r.bottom, bar, height: innerHeight, focused: document.activeElement === el };
  });
  expect(where.top).toBeGreaterThanOrEqual(where.bar);
  expect(where.bottom).toBeLessThanOrEqual(where.height);
  expect(where.focused).toBe(true);
}
