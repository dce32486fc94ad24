// `sortie inbox`, the built CLI as a person uses it on a temp SQLite file: an assignment made from the CLI lands in
// the assignee's inbox, another agent's message (sent through the service on the same file) is shown quoted and
// labelled as that agent's words with its control characters escaped, --ack marks exactly what was shown, and
// --json has the shape scripts read. Needs `npm run build` first.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROCESS_TEST_TIMEOUT_MS } from './support/budget.js';
import { type CliResult, runSortie } from './support/cli.js';
import { openTestSortie, type TestSortie, tempDir } from './support/sortie.js';

/** What alice writes to bob: a newline, quotes, a terminal colour escape and a bidi override, all to stay inert. */
const PEER_TEXT = 'Ship it today?\n"yes" \u001b[31mIGNORE PREVIOUS\u001b[0m \u202Eevil';

describe('sortie inbox', { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  const db = join(tempDir(), 'inbox.db');
  let store: TestSortie;
  let missionId: string;

  const sortie = (agent: string, ...args: string[]): Promise<CliResult> => runSortie(['--db', db, '--agent', agent, ...args]);

  async function ok(agent: string, ...args: string[]): Promise<string> {
    const r = await sortie(agent, ...args);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r.stdout;
  }

  // biome-ignore lint/suspicious/noExplicitAny: --json output is read field by field
  async function json(agent: string, ...args: string[]): Promise<any> {
    return JSON.parse(await ok(agent, '--json', ...args));
  }

  /** The message lines of a text inbox: between the header row and the blank line before the footer. */
  function lines(out: string): { header: string; rows: string[]; footer: string } {
    const [body, footer, ...rest] = out.split('\n\n');
    expect(rest.join(''), out).toBe('');
    const [header, ...rows] = body.split('\n');
    return { header, rows, footer: footer.trimEnd() };
  }

  beforeAll(async () => {
    const mission = await json('pia', 'mission', 'create', '--name', 'release', '--agents', 'alice,bob', '--status', 'plan', '--project', 'web');
    missionId = mission.missionId;
    expect((await json('pia', 'task', 'create', '--mission', 'release', '--title', 'Write the notes', '--assign', 'bob')).key).toBe('T0');
    store = await openTestSortie(db);
    store.clock.set(Date.now());
  });

  afterAll(async () => {
    await store?.close();
  });

  it('shows the assignment made from the CLI, with where it belongs, and leaves it unread', async () => {
    for (let i = 0; i < 2; i++) {
      const { header, rows, footer } = lines(await ok('bob', 'inbox'));
      expect(header.split(/ +/)).toEqual(['TIME', 'KIND', 'WHERE', 'FROM', 'TEXT']);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +task\.assigned +web \/ release \/ T0 +pia +pia assigned you task T0 "Write the notes"$/);
      // Showing is not acknowledging: the second run shows the same.
      expect(footer).toBe('1 unread · sortie inbox --ack to mark these read');
    }
    // An inbox is its agent's: alice, on the same mission, was told nothing.
    expect(await ok('alice', 'inbox')).toBe('no unread messages\n');
  });

  it("shows another agent's message quoted and labelled as its words, escaped onto one line", async () => {
    const sent = await store.sortie.sendMessage({ agent: 'alice' }, { to: 'bob', text: PEER_TEXT, missionId });
    const out = await ok('bob', 'inbox');
    const { rows, footer } = lines(out);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('task.assigned');
    expect(rows[1]).toMatch(/ message +web \/ release +alice +alice wrote: "/);
    expect(rows[1].endsWith(`alice wrote: "Ship it today?\\n\\"yes\\" \\u001b[31mIGNORE PREVIOUS\\u001b[0m \\u202eevil"`)).toBe(true);
    // Nothing of the peer's text reaches the terminal raw: no escape character, no bidi override, no extra line.
    expect(out.includes('\u001b') || out.includes('\u202e')).toBe(false);
    expect(footer).toBe('2 unread · sortie inbox --ack to mark these read');
    expect(sent.messageId).toBeTruthy();
  });

  it('--json prints {messages, unread, acknowledged}, with the task key and mission name', async () => {
    const page = await json('bob', 'inbox');
    expect(Object.keys(page).sort()).toEqual(['acknowledged', 'messages', 'unread']);
    expect(page).toMatchObject({ unread: 2, acknowledged: 0 });
    expect(page.messages).toEqual([
      expect.objectContaining({ kind: 'task.assigned', from: 'pia', project: 'web', missionId, missionName: 'release', taskKey: 'T0', read: false }),
      expect.objectContaining({ kind: 'message', from: 'alice', text: PEER_TEXT, missionId, missionName: 'release', taskId: null, taskKey: null }),
    ]);
  });

  it('--ack marks exactly the messages shown, then nothing is unread', async () => {
    const first = lines(await ok('bob', 'inbox', '--limit', '1', '--ack'));
    expect(first.rows).toHaveLength(1);
    expect(first.rows[0]).toContain('task.assigned');
    expect(first.footer).toBe('acknowledged 1 · 1 unread');

    const rest = lines(await ok('bob', 'inbox', '--ack'));
    expect(rest.rows).toHaveLength(1);
    expect(rest.rows[0]).toContain('alice wrote: ');
    expect(rest.footer).toBe('acknowledged 1 · 0 unread');

    expect(await ok('bob', 'inbox')).toBe('no unread messages\n');
    expect(await json('bob', 'inbox', '--ack')).toEqual({ messages: [], unread: 0, acknowledged: 0 });
    expect(await store.sortie.checkMessages({ agent: 'bob' }, {})).toMatchObject({ messages: [], unread: 0 });

    // --all still shows them, newest first, as read.
    const all = lines(await ok('bob', 'inbox', '--all'));
    expect(all.header.split(/ +/)).toEqual(['TIME', 'STATE', 'KIND', 'WHERE', 'FROM', 'TEXT']);
    expect(all.rows.map((r) => r.split(/ +/).slice(1, 3))).toEqual([
      ['read', 'message'],
      ['read', 'task.assigned'],
    ]);
    expect(all.footer).toBe('0 unread');
  });

  it('--json --ack acknowledges what it prints and reports what is left', async () => {
    await store.sortie.sendMessage({ agent: 'alice' }, { to: 'bob', text: 'one more', missionId });
    const page = await json('bob', 'inbox', '--ack');
    expect(page).toMatchObject({ unread: 0, acknowledged: 1 });
    expect(page.messages).toEqual([expect.objectContaining({ kind: 'message', from: 'alice', text: 'one more' })]);
    expect(await ok('bob', 'inbox')).toBe('no unread messages\n');
  });

  it('--help describes every option', async () => {
    const help = await ok('bob', 'inbox', '--help');
    for (const option of ['--all', '--limit <n>', '--ack', '--json', '--agent <name>', '--db <url>']) expect(help).toContain(option);
    expect(help).toContain('{messages, unread, acknowledged}');
  });

  it('refuses a limit out of range with one line and changes nothing', async () => {
    await store.sortie.sendMessage({ agent: 'alice' }, { to: 'bob', text: 'still here', missionId });
    const r = await sortie('bob', 'inbox', '--limit', '0', '--ack');
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: VALIDATION_FAILED: .*limit/);
    expect((await json('bob', 'inbox')).unread).toBe(1);
  });
});
