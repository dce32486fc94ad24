// The fuzz suite: every tool of the full profile, through the MCP SDK's real Client, against malformed arguments
// generated from the tool's advertised input schema with a fixed seed — missing and wrong types, nulls, huge and
// control-character strings, markup, prototype keys as values and as object keys, out-of-range numbers and dates,
// ids of the wrong kind, T-keys without a mission. Each answer must be a coded refusal (isError, JSON
// {error:{code,message,hint}}, never INTERNAL), small, and must change nothing: every table's row count and the
// event sequence stay as they were, and the whole database is row-for-row the same at the end.
// Malformed *protocol* input (arguments that are not an object, oversized stdio messages) is tested elsewhere.
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, FAILURE_CODES } from '../src/core/errors.js';
import { lastEventSeq } from '../src/db/events-repo.js';
import { type AgentClient, type Harness, startHarness } from './support/clients.js';
import { DIALECTS, freshDatabaseUrl } from './support/dialects.js';
import { tempDir } from './support/sortie.js';
import { snapshot } from './support/unchanged.js';

/** mulberry32: a small deterministic generator, so every run sends the same battery. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 0x5077e;
const random = prng(SEED);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];

const MIB = 'x'.repeat(1024 * 1024);
const HUGE_NAME = 'a'.repeat(100 * 1024);
const controlString = () => `ali${String.fromCharCode(Math.floor(random() * 32))}ce${pick(['\u0000', '\u001b[31m', '\u007f', '\r\n'])}`;
const markup = () => pick(['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '"><svg onload=alert(1)>', "'; DROP TABLE tasks; --"]);
const PROTO_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
/** An object whose own key is "__proto__" (as JSON.parse makes it), carrying a value that must not leak through. */
const protoKeyed = (inner: unknown) => JSON.parse(`{"__proto__": ${JSON.stringify(inner)}}`);
const OUT_OF_RANGE = [1e308, -1e308, 2 ** 53 + 1, -(2 ** 63)];
const BAD_DATES = [...OUT_OF_RANGE, '99999999999999999', '-99999999999999999', '+275760-09-13T00:00:00.001Z', '2026-13-45', 'not a date', MIB];

/** What kind of value an argument holds, from its name and schema: this decides which malformed values it gets. */
type Kind = 'id' | 'name' | 'date' | 'text' | 'enum' | 'number' | 'integer' | 'boolean' | 'array' | 'record' | 'none';

const ID_FIELDS = new Set(['taskId', 'missionId', 'recurringTaskId', 'blockedOnTaskId', 'supersedes', 'cursor', 'templateName', 'template', 'deliverable']);
const NAME_FIELDS = new Set([
  'callerOrchestrator',
  'callerInstance',
  'createdBy',
  'pilot',
  'agent',
  'assignedTo',
  'assignedToInstance',
  'claimedBy',
  'blockedBy',
  'project',
]);
const DATE_FIELDS = new Set(['dueDate', 'startDate', 'targetDate', 'updatedSince']);
const ENUM_LIKE = new Set(['status']);

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: unknown;
};

function types(schema: JsonSchema): string[] {
  if (schema.anyOf) return schema.anyOf.flatMap(types);
  if (schema.enum) return ['enum'];
  return Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
}

function kindOf(tool: string, field: string, schema: JsonSchema): Kind {
  if (DATE_FIELDS.has(field)) return 'date';
  if (field === 'name') return tool.includes('template') ? (tool === 'update_mission_template' ? 'name' : 'id') : 'text';
  if (ID_FIELDS.has(field)) return 'id';
  if (NAME_FIELDS.has(field)) return 'name';
  const t = types(schema);
  if (ENUM_LIKE.has(field) || t.includes('enum')) return 'enum';
  if (t.includes('array')) return 'array';
  if (t.includes('object')) return 'record';
  if (t.includes('integer')) return 'integer';
  if (t.includes('number')) return 'number';
  if (t.includes('boolean')) return 'boolean';
  if (t.includes('string')) return 'text';
  return 'none';
}

/** A plausible list item for a list argument, so an oversized list is refused for its size, not its items. */
const SAMPLE_ITEM: Record<string, () => unknown> = {
  agents: () => `agent${Math.floor(random() * 1e6)}`,
  dependsOn: () => 'T0',
  tags: () => 'tag',
  requiredEvidence: () => 'commit',
  status: () => 'open',
  evidence: () => ({ kind: 'commit', value: 'abc1234' }),
  deliverables: () => ({ name: `d${Math.floor(random() * 1e9)}` }),
  steps: () => ({ title: 'step' }),
};

/** Malformed values for one argument; `nullable` arguments do not get null (it is a valid "clear"). */
function badValues(field: string, kind: Kind, schema: JsonSchema, ctx: Seeded): unknown[] {
  const nullable = types(schema).includes('null');
  const common = nullable ? [{ nested: true }] : [null, { nested: true }];
  switch (kind) {
    case 'id': {
      const wrongKind = field === 'missionId' ? ctx.taskId : ctx.missionId;
      return [...common, MIB, controlString(), markup(), ...PROTO_KEYS, wrongKind, 42, ['T0']];
    }
    case 'name':
      return [...common, HUGE_NAME, controlString(), markup(), '__proto__', 'has space', '', 42, ...(types(schema).includes('array') ? [] : [['pia']])];
    case 'date':
      return [...common, ...BAD_DATES, true];
    case 'text':
      return [...common, MIB, 42, ['text']];
    case 'enum':
      return [...common, ...PROTO_KEYS, MIB, controlString(), 42, ...(types(schema).includes('array') ? [PROTO_KEYS, Array(1000).fill('open')] : [])];
    case 'integer':
      return [...common, ...OUT_OF_RANGE, 2 ** 31 + 1, 1.5, '5', true];
    case 'number':
      return [...common, ...OUT_OF_RANGE, 2 ** 31 + 1, '5', true];
    case 'boolean':
      return [...common, 'true', 1];
    case 'array': {
      const sample = SAMPLE_ITEM[field] ?? (() => 'x');
      const many = field === 'agents' ? 30_000 : 1000;
      const out: unknown[] = [...common, Array.from({ length: many }, sample), [42], [null], [protoKeyed({ kind: 'commit', value: 'abc1234' })]];
      if (!types(schema).includes('string')) out.push('a string');
      if (field === 'evidence') out.push([{ kind: '__proto__', value: 'x' }], [{ kind: 'commit', value: MIB }], [{ kind: 'commit' }]);
      if (field === 'steps')
        out.push([{ title: 'x', dependsOn: ['__proto__'] }], [{ title: 'x', owner: markup() }], [{ title: 'x', key: 'constructor', dependsOn: ['toString'] }]);
      if (field === 'deliverables') out.push([{ name: MIB }], [{ name: 'd', acceptedKinds: ['__proto__'] }]);
      if (field === 'requiredEvidence' || field === 'tags') out.push(PROTO_KEYS.map((k) => (field === 'tags' ? MIB : k)));
      return out;
    }
    case 'record':
      return [
        ...common,
        // An own "__proto__" key may be dropped on the way (setting __proto__ to a non-object does nothing), so it
        // travels with a key that must be refused; the value it carries must not end up on Object.prototype.
        Object.assign(protoKeyed({ polluted: 'yes' }), { constructor: 5 }),
        { constructor: { a: 1 } },
        { toString: 1 },
        { [MIB]: 'v' },
        Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, 'v'])),
        'a string',
        [],
      ];
    default:
      return common;
  }
}

interface Seeded {
  missionId: string;
  taskId: string;
  recurringTaskId: string;
}

/** A call each tool would accept (or refuse for state alone): every case changes one argument of it. */
function baseArgs(tool: string, s: Seeded): Record<string, unknown> {
  const m = s.missionId;
  const t = (key: string) => ({ taskId: key, missionId: m });
  const bases: Record<string, Record<string, unknown>> = {
    list_events: { missionId: m, taskId: 'T0' },
    my_work: { limit: 5 },
    check_messages: { limit: 5 },
    ack_messages: { upToSeq: 0 },
    send_message: { to: 'alice', text: 'the staging database is back', missionId: m },
    create_mission: { name: 'fuzzed', pilot: 'pia' },
    get_mission: { missionId: m },
    list_missions: {},
    update_mission: { missionId: m },
    update_mission_status: { missionId: m, status: 'cancelled' },
    update_mission_progress: { missionId: m, progress: 50 },
    add_mission_evidence: { missionId: m, evidence: [{ kind: 'commit', value: 'abc1234' }] },
    list_tasks_by_mission: { missionId: m },
    create_task: { title: 'fuzzed' },
    get_task: t('T0'),
    list_tasks: {},
    update_task: t('T1'),
    add_task_dependency: { ...t('T2'), dependsOn: 'T0' },
    remove_task_dependency: { ...t('T1'), dependsOn: 'T0' },
    cancel_task: { ...t('T2'), cancelReason: 'not needed' },
    reopen_task: { ...t('T2'), reason: 'again' },
    delete_task: t('T2'),
    checkout_task: t('T2'),
    start_task: t('T2'),
    claim_next_task: {},
    heartbeat_task: { ...t('T0'), epoch: 1 },
    release_task: t('T0'),
    complete_task: { ...t('T0'), completionNote: 'done in abc1234' },
    block_task: { ...t('T0'), reason: 'waiting' },
    pause_task: { ...t('T0'), reason: 'back after lunch' },
    fail_task: { ...t('T0'), failureNote: 'it broke' },
    list_mission_templates: {},
    get_mission_template: { name: 'fuzz-template' },
    update_mission_template: { name: 'fuzz-template', steps: [{ title: 'one step' }] },
    delete_mission_template: { name: 'fuzz-template' },
    instantiate_template_into_mission: { templateName: 'fuzz-template', missionId: m },
    create_recurring_task: { title: 'fuzzed', cronExpression: '0 9 * * 1' },
    list_recurring_tasks: {},
    get_recurring_task: { recurringTaskId: s.recurringTaskId },
    update_recurring_task: { recurringTaskId: s.recurringTaskId },
    pause_recurring_task: { recurringTaskId: s.recurringTaskId },
    resume_recurring_task: { recurringTaskId: s.recurringTaskId },
    delete_recurring_task: { recurringTaskId: s.recurringTaskId },
  };
  const base = bases[tool];
  if (!base) throw new Error(`no base arguments for ${tool}: add it to the fuzz suite`);
  return base;
}

interface Case {
  label: string;
  args: Record<string, unknown>;
}

function casesFor(tool: Tool, s: Seeded): Case[] {
  const schema = tool.inputSchema as JsonSchema;
  const props = schema.properties ?? {};
  const required = schema.required ?? [];
  const base = baseArgs(tool.name, s);
  const cases: Case[] = [];
  if (required.length > 0) {
    cases.push({ label: '{}', args: {} });
    // A required argument hidden behind an own "__proto__" key must not count as given.
    cases.push({ label: '__proto__ carrying the arguments', args: protoKeyed(base) });
    for (const field of required) {
      const { [field]: _dropped, ...rest } = base;
      cases.push({ label: `without ${field}`, args: rest });
    }
  }
  for (const [field, fieldSchema] of Object.entries(props)) {
    const kind = kindOf(tool.name, field, fieldSchema);
    for (const value of badValues(field, kind, fieldSchema, s)) {
      cases.push({ label: `${field} (${kind}) = ${JSON.stringify(value)?.slice(0, 40)}`, args: { ...base, [field]: value } });
    }
  }
  // A T-key without its mission.
  if ('taskId' in props && base.taskId) {
    const { missionId: _m, ...rest } = base;
    cases.push({ label: 'T-key without missionId', args: { ...rest, taskId: 'T0' } });
  }
  return cases;
}

/** Row counts of every table of the database (templates, recurring work, tokens included). */
async function rowCounts(harness: Harness): Promise<Record<string, number>> {
  const db = harness.store.database.kysely;
  // biome-ignore lint/suspicious/noExplicitAny: a generic count over every table
  const any = db as any;
  const tables = (
    harness.store.database.dialect === 'sqlite'
      ? await any.selectFrom('sqlite_master').select('name').where('type', '=', 'table').where('name', 'not like', 'sqlite_%').orderBy('name').execute()
      : await any
          .selectFrom('information_schema.tables')
          .select('table_name as name')
          .where('table_schema', '=', 'public')
          .where('table_type', '=', 'BASE TABLE')
          .orderBy('table_name')
          .execute()
  ) as Array<{ name: string }>;
  const out: Record<string, number> = {};
  for (const { name } of tables) {
    const [row] = await any.selectFrom(name).select(any.fn.countAll().as('n')).execute();
    out[name] = Number(row.n);
  }
  return out;
}

// Every dialect of the matrix: a value one database takes and another refuses (an integer past PostgreSQL's int4,
// a NUL in text) must be refused up front on all of them, never reach the database as INTERNAL.
for (const dialect of DIALECTS)
  describe(`fuzz on ${dialect}: every tool refuses malformed arguments with a code and changes nothing (seed ${SEED})`, () => {
    let harness: Harness;
    let dispose: () => Promise<void> = async () => {};
    let pia: AgentClient;
    let tools: Tool[];
    let seeded: Seeded;

    beforeAll(async () => {
      const fresh = await freshDatabaseUrl(dialect);
      dispose = fresh.dispose;
      harness = await startHarness('memory', fresh.url);
      const { sortie } = harness.store;
      const me = { agent: 'pia' };
      const mission = await sortie.createMission(me, { name: 'fuzz-mission', pilot: 'pia', agents: ['alice'], deliverables: [{ name: 'docs' }] });
      await sortie.updateMissionStatus(me, { missionId: mission.missionId, status: 'plan' });
      const t0 = await sortie.createTask(me, { title: 'first', missionId: mission.missionId, assignedTo: 'pia' });
      await sortie.createTask(me, { title: 'second', missionId: mission.missionId, dependsOn: 'T0' });
      await sortie.createTask(me, { title: 'third', missionId: mission.missionId });
      await sortie.createTask(me, { title: 'standalone' });
      await sortie.updateMissionStatus(me, { missionId: mission.missionId, status: 'execute' });
      await sortie.checkoutTask(me, { taskId: t0.taskId });
      await sortie.updateTemplate(me, { name: 'fuzz-template', steps: [{ title: 'only step' }] });
      const recurring = await sortie.createRecurring(me, { title: 'weekly', cronExpression: '0 9 * * 1' });
      seeded = { missionId: mission.missionId, taskId: t0.taskId, recurringTaskId: recurring.recurringTaskId };
      pia = await harness.connect('pia', 'full');
      tools = (await pia.client.listTools()).tools;
    });
    afterAll(async () => {
      await harness?.close();
      await dispose();
    });

    it('covers every tool of the full profile', () => {
      expect(tools.length).toBeGreaterThan(30);
      for (const tool of tools) expect(() => baseArgs(tool.name, seeded)).not.toThrow();
    });

    it('answers every malformed call with a small coded refusal and leaves the database as it was', async () => {
      const before = await snapshot(harness.store);
      const countsBefore = await rowCounts(harness);
      let seq = await lastEventSeq(harness.store.database.kysely);
      let counts = countsBefore;
      const problems: string[] = [];
      let total = 0;
      for (const tool of tools) {
        for (const c of casesFor(tool, seeded)) {
          total += 1;
          const where = `${tool.name} ${c.label}`;
          const result = await pia.raw(tool.name, c.args).catch((error: Error) => ({ thrown: error.message }));
          if ('thrown' in result) {
            problems.push(`${where}: the client threw ${String(result.thrown).slice(0, 200)}`);
            continue;
          }
          const text = (result.content?.[0] as { text?: string } | undefined)?.text ?? '';
          if (!result.isError) {
            problems.push(`${where}: accepted (${text.slice(0, 160)})`);
          } else {
            let error: { code?: string; message?: string; hint?: string } | undefined;
            try {
              error = JSON.parse(text).error;
            } catch {
              problems.push(`${where}: the refusal is not JSON: ${text.slice(0, 160)}`);
            }
            if (error) {
              // A refusal's code: one of ERROR_CODES and never a failure (INTERNAL, UNAVAILABLE), which are codes too.
              if (!error.code || !(ERROR_CODES as readonly string[]).includes(error.code) || (FAILURE_CODES as readonly string[]).includes(error.code))
                problems.push(`${where}: code ${error.code}: ${error.message?.slice(0, 160)}`);
              if (typeof error.message !== 'string' || typeof error.hint !== 'string') problems.push(`${where}: no message or hint`);
            }
            if (result.structuredContent !== undefined) problems.push(`${where}: a refusal carries structuredContent`);
            if (text.length >= 4096) problems.push(`${where}: the answer is ${text.length} characters`);
          }
          const now = await lastEventSeq(harness.store.database.kysely);
          if (now !== seq) {
            problems.push(`${where}: recorded ${now - seq} event(s)`);
            seq = now;
          }
        }
        const after = await rowCounts(harness);
        if (JSON.stringify(after) !== JSON.stringify(counts)) problems.push(`${tool.name}: row counts changed: ${JSON.stringify(after)}`);
        counts = after;
      }
      expect(problems).toEqual([]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(total).toBeGreaterThan(1000);
      expect(await snapshot(harness.store)).toEqual(before);
    });

    it('echoes at most a short prefix of a 1 MiB id', async () => {
      const refusal = await pia.raw('get_task', { taskId: MIB });
      const text = (refusal.content[0] as { text: string }).text;
      expect(JSON.parse(text).error).toMatchObject({ code: 'NOT_FOUND' });
      expect(text.length).toBeLessThan(600);
      expect(text).toContain('(1048576 chars)');
    });
  });

describe('fuzz spot-check over stdio (sortie mcp from dist/)', () => {
  let harness: Harness;
  let pia: AgentClient;

  beforeAll(async () => {
    harness = await startHarness('stdio', `${tempDir()}/fuzz-stdio.db`);
    pia = await harness.connect('pia', 'full');
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('answers the worst cases with small coded refusals', async () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['get_task', { taskId: MIB }, 'NOT_FOUND'],
      ['list_missions', { status: '__proto__' }, 'VALIDATION_FAILED'],
      ['list_missions', { status: 'constructor' }, 'VALIDATION_FAILED'],
      ['create_task', { title: 'x', dueDate: 1e308 }, 'VALIDATION_FAILED'],
      ['create_task', { title: 'x', dueDate: '99999999999999999' }, 'VALIDATION_FAILED'],
      ['create_mission', { name: 'x', pilot: 'pia', agents: Array.from({ length: 30_000 }, (_, i) => `a${i}`) }, 'VALIDATION_FAILED'],
      ['claim_next_task', { callerInstance: '<script>alert(1)</script>' }, 'VALIDATION_FAILED'],
    ];
    const seq = await lastEventSeq(harness.store.database.kysely);
    for (const [tool, args, code] of cases) {
      const result = await pia.raw(tool, args);
      const text = (result.content[0] as { text: string }).text;
      expect(result.isError, tool).toBe(true);
      expect(JSON.parse(text).error.code, `${tool}: ${text.slice(0, 200)}`).toBe(code);
      expect(text.length).toBeLessThan(4096);
    }
    expect(await lastEventSeq(harness.store.database.kysely)).toBe(seq);
  });
});
