// The `sortie` command: servers (mcp, serve) and the human CLI over the same service layer.
import { Command, Option } from 'commander';
import { EVIDENCE_KINDS, type EvidenceKind } from '../core/enums.js';
import { validationFailed } from '../core/errors.js';
import type { EvidenceInput } from '../core/evidence.js';
import { assertAgentName } from '../core/identity.js';
import { DEFAULT_MAX_IN_PROGRESS, inProgressLimit } from '../core/in-progress-limit.js';
import type { Actor, Task } from '../core/model.js';
import { PROFILES, type Profile } from '../mcp/profiles.js';
import { sweepLeases } from '../runtime/lease-sweep.js';
import { startRecurringScheduler } from '../runtime/recurring-scheduler.js';
import { type BackgroundTask, type Runtime, startRuntime } from '../runtime/runtime.js';
import { cliActor, type GlobalOptions, generatedInstance, globalOptions, intOption, list, print, printTask, withRuntime } from './common.js';
import { collectRepeated, parseContextArgs } from './context-option.js';
import { report, usageError } from './errors.js';
import { registerFleetCommands } from './fleet-commands.js';
import { drawMission, eventLine, table, taskLine } from './format.js';
import { registerGithubCommands } from './github-commands.js';
import { registerInboxCommand } from './inbox-command.js';
import { registerInitCommands } from './init-command.js';
import { registerTemplateCommands } from './template-commands.js';
import { registerWaitCommand } from './wait-command.js';

/** `kind:value` pairs, e.g. commit:3f2c9e1, pr:#42, test_ratio:18/18. */
export function parseEvidenceArgs(values: string[] | undefined): EvidenceInput[] | undefined {
  if (!values?.length) return undefined;
  return values.map((v, i) => {
    const at = v.indexOf(':');
    const kind = v.slice(0, at) as EvidenceKind;
    if (at < 1 || !EVIDENCE_KINDS.includes(kind)) {
      throw validationFailed(
        `evidence[${i}]`,
        `"${v}" is not kind:value`,
        `Kinds: ${EVIDENCE_KINDS.join(', ')}; e.g. --evidence commit:3f2c9e1 --evidence test_ratio:18/18.`,
      );
    }
    return { kind, value: v.slice(at + 1) };
  });
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `--max-in-progress`: N, `off` (or 0) for no limit, `default` for the default; the use case checks the range. */
function maxInProgressOption(value: string): number | null {
  if (value === 'off') return 0;
  if (value === 'default') return null;
  if (/^\d+$/.test(value)) return Number(value);
  throw validationFailed('max-in-progress', `"${value}" is not a number, off or default`, 'E.g. --max-in-progress 2, or off for no limit.');
}

/** A project's in-progress setting as the CLI shows it. */
function limitLabel(setting: number | null): string {
  const limit = inProgressLimit(setting);
  return limit === null ? 'no limit' : `≤ ${limit} per instance${setting === null ? ' (default)' : ''}`;
}

/** The background work of every server process (`sortie mcp`, `sortie serve`), passed to the runtime factory. */
const SERVER_WORK: readonly BackgroundTask[] = [sweepLeases, startRecurringScheduler];

export function buildProgram(): Command {
  const program = new Command('sortie')
    .description('Missions for AI coding agents: enforced lifecycles, leased claims, evidence-bound completion.')
    .version('0.1.0')
    .option('--db <url>', 'database: a SQLite file path or postgres://… (default: $SORTIE_DB, else the XDG data dir)')
    .option('--json', 'print JSON instead of text')
    .option('--agent <name>', 'act as this agent (default: $SORTIE_AGENT, else your login name)')
    .option(
      '--instance <name>',
      "this agent instance, e.g. alice-laptop (default: $SORTIE_INSTANCE; the CLI: the agent's default instance; sortie mcp: one generated at start)",
    )
    // Usage errors follow the refusal format: one line with a code, not commander's message plus the whole help.
    .configureOutput({ outputError: (text, write) => write(usageError(text, program.opts().json === true)) })
    // Before any subcommand exists: each copies its parent's help settings when created.
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();

  program
    .command('mcp')
    .description('serve MCP over stdio for one agent (logs go to stderr)')
    .addOption(new Option('--tools <profile>', 'tool profile').choices(PROFILES as unknown as string[]).default('full'))
    .option('--lease-minutes <n>', 'default claim lease', intOption('lease-minutes'))
    .action(async (options: { tools: Profile; leaseMinutes?: number }, cmd: Command) => {
      const opts = globalOptions(cmd);
      const name = opts.agent ?? process.env.SORTIE_AGENT;
      // Every stdio process is its own instance: two sessions of one agent never share a claim by accident.
      const instance = assertAgentName(opts.instance || process.env.SORTIE_INSTANCE || generatedInstance(name), 'instance');
      const identity = name ? { agent: assertAgentName(name), instance } : undefined;
      const runtime = await startRuntime({ db: opts.db, leaseMinutes: options.leaseMinutes, background: SERVER_WORK });
      const { serveStdio } = await import('../mcp/stdio.js');
      runtime.logger.info({ agent: identity?.agent ?? null, instance, tools: options.tools }, 'sortie mcp ready on stdio');
      await serveStdio(runtime, identity, options.tools, instance);
      await runtime.stop();
    });

  program
    .command('serve')
    .description('serve MCP over Streamable HTTP at /mcp, plus /health and the dashboard')
    .option('--port <n>', 'port', intOption('port'), Number(process.env.SORTIE_PORT ?? 7420))
    .option('--host <host>', 'interface to bind', process.env.SORTIE_HOST ?? '127.0.0.1')
    .option('--lease-minutes <n>', 'default claim lease', intOption('lease-minutes'))
    .option('--sessions', 'MCP session mode: GET event streams and resource subscriptions (needs sticky load balancing)')
    .action(async (options: { port: number; host: string; leaseMinutes?: number; sessions?: boolean }, cmd: Command) => {
      const opts = globalOptions(cmd);
      const { serveHttp } = await import('../http/serve.js');
      await serveHttp({
        db: opts.db,
        port: options.port,
        host: options.host,
        leaseMinutes: options.leaseMinutes,
        sessions: options.sessions,
        background: SERVER_WORK,
      });
    });

  const mission = program.command('mission').description('missions: list, show, create, move, report progress, add evidence');
  mission
    .command('list')
    .description('list missions (newest first)')
    .option('--project <p>', 'only missions of this project')
    .option('--pilot <agent>', 'only missions this agent pilots')
    .option('--status <s>', 'a status, a comma list, or open | active | all', 'open')
    .option('--limit <n>', 'max rows', intOption('limit'), 50)
    .action((o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        const page = await sortie.listMissions(cliActor(opts), { project: o.project, pilot: o.pilot, status: list(o.status), limit: o.limit });
        print(opts, page, () =>
          page.items.length
            ? table([
                ['ID', 'NAME', 'PROJECT', 'PILOT', 'STATUS', 'PROGRESS', 'TASKS'],
                ...page.items.map((m) => [
                  m.missionId,
                  m.name,
                  m.project,
                  m.pilot,
                  m.status,
                  `${m.progress ?? '—'}/${m.computedProgress}%`,
                  `${m.taskCounts.done}/${m.taskCounts.total}`,
                ]),
              ])
            : 'no missions',
        );
      }),
    );
  mission
    .command('show <mission>')
    .description('draw a mission: its steps, their status and dependencies, deliverables and evidence')
    .action((ref, _o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        const m = await sortie.getMission(cliActor(opts), { missionId: ref });
        print(opts, m, () => drawMission(m));
      }),
    );
  mission
    .command('create')
    .description('create a mission (in brainstorm unless --status plan)')
    .requiredOption('--name <name>', 'the mission name')
    .option('--pilot <agent>', 'pilot (default: you)')
    .option('--agents <list>', 'comma-separated agents')
    .option('--project <p>', 'the project (default: $SORTIE_PROJECT, else default)')
    .addOption(new Option('--priority <p>', 'priority').choices(['low', 'medium', 'high', 'urgent']).default('medium'))
    .option('--description <text>', 'a one-line description')
    .option('--brief <markdown>', 'the brief, in Markdown')
    .option('--brief-file <path>', 'read the brief from a file')
    .option('--deliverable <name[:kinds]>', 'a deliverable, e.g. docs:pr|file or fix:pr@ci (repeatable)', collect)
    .option('--target-date <date>', 'target date, YYYY-MM-DD')
    .addOption(new Option('--status <s>', 'the stage it starts in (default: brainstorm)').choices(['brainstorm', 'plan']))
    .option('--template <name>', 'create the steps of this template (name or name@version) as the tasks')
    .option('--context <key=value>', 'a value for a template placeholder (repeatable)', collectRepeated)
    .action((o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        const me = cliActor(opts);
        const { readFile } = await import('node:fs/promises');
        const brief = o.briefFile ? await readFile(o.briefFile, 'utf8') : o.brief;
        const deliverables = (o.deliverable as string[] | undefined)?.map((d) => {
          const [name, kinds] = d.split(':');
          return { name, ...(kinds ? { acceptedKinds: kinds.split('|') } : {}) };
        });
        const input = {
          name: o.name,
          pilot: o.pilot ?? me.agent,
          agents: list(o.agents),
          project: o.project,
          priority: o.priority,
          description: o.description,
          brief,
          deliverables,
          targetDate: o.targetDate,
          status: o.status,
        };
        if (o.context && !o.template) throw validationFailed('context', '--context fills template placeholders; pass --template too');
        const m = o.template
          ? await sortie.createMissionFromTemplate(me, { ...input, template: o.template, context: parseContextArgs(o.context) })
          : await sortie.createMission(me, input);
        print(opts, m, () => drawMission(m));
      }),
    );
  mission
    .command('status <mission> <status>')
    .description('move a mission one stage (brainstorm → plan → execute → validate → complete; cancelled)')
    .option('--reason <text>', 'why (required for rework, cancel and reopen)')
    .action((ref, status, o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        const m = await sortie.moveMission(cliActor(opts), { missionId: ref, status, reason: o.reason });
        print(opts, m, () => drawMission(m));
      }),
    );
  mission
    .command('progress <mission> <percent>')
    .description('report progress, an integer 0–100')
    .option('--note <text>', 'what the figure rests on')
    .action((ref, percent, o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        const value = /^\d+$/.test(percent) ? Number(percent) : percent;
        const m = await sortie.updateMissionProgress(cliActor(opts), { missionId: ref, progress: value, note: o.note });
        print(opts, m, () => drawMission(m));
      }),
    );
  mission
    .command('evidence <mission>')
    .description('attach evidence to a mission or one of its deliverables')
    .option('--deliverable <name>', 'the deliverable every item is for')
    .option('--note <text>', 'free text; evidence in it is parsed')
    .option('--evidence <kind:value>', 'an explicit item (repeatable)', collect)
    .option('--supersedes <evidenceId>', 'replace an earlier item')
    .action((ref, o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        const m = await sortie.addMissionEvidence(cliActor(opts), {
          missionId: ref,
          deliverable: o.deliverable,
          note: o.note,
          evidence: parseEvidenceArgs(o.evidence),
          supersedes: o.supersedes,
        });
        print(opts, m, () => drawMission(m));
      }),
    );

  const task = program.command('task').description('tasks: list, show, create, claim, complete, block, and more');
  task
    .command('list')
    .description('list tasks')
    .option('--mission <m>', 'only tasks of this mission')
    .option('--project <p>', 'only tasks of this project')
    .option('--assigned-to <agent>', 'only tasks assigned to this agent')
    .option('--status <s>', 'a status or comma list')
    .option('--ready', 'only ready tasks, most urgent first')
    .option('--limit <n>', 'max rows', intOption('limit'), 50)
    .action((o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        const page = await sortie.listTasks(cliActor(opts), {
          missionId: o.mission,
          project: o.project,
          assignedTo: o.assignedTo,
          status: list(o.status) as never,
          ready: o.ready,
          limit: o.limit,
        });
        print(opts, page, () =>
          page.items.length ? table([['KEY', 'ID', 'STATUS', 'PRIORITY', 'ASSIGNED', 'CLAIM', 'TITLE'], ...page.items.map(taskLine)]) : 'no tasks',
        );
      }),
    );
  const showTask = (
    ref: string,
    o: { mission?: string },
    cmd: Command,
    run: (r: Runtime, me: Actor, t: { taskId: string; missionId?: string }, opts: GlobalOptions) => Promise<unknown>,
  ) =>
    withRuntime(cmd, async (runtime, opts) => {
      const me = cliActor(opts);
      const result = (await run(runtime, me, { taskId: ref, missionId: o.mission }, opts)) as Task;
      await printTask(runtime, me, opts, result);
    });
  task
    .command('show <task>')
    .description('show a task (id, or T-key with --mission)')
    .option('--mission <m>', 'the mission whose T-key names the task (a task id alone needs none)')
    .action((ref, o, cmd) => showTask(ref, o, cmd, ({ sortie }, me, t) => sortie.getTask(me, t)));
  task
    .command('create')
    .description('create a task')
    .requiredOption('--title <title>', 'the task title')
    .option('--mission <m>', 'the mission it belongs to (id or name)')
    .option('--project <p>', "the project (default: the mission's, else $SORTIE_PROJECT, else default)")
    .option('--description <text>', 'what to do, in Markdown')
    .option('--assign <agent>', 'assign it to this agent')
    .addOption(new Option('--priority <p>', 'priority').choices(['low', 'medium', 'high', 'urgent']).default('medium'))
    .option('--depends-on <list>', 'comma list of task ids or T-keys')
    .option('--requires <kinds>', 'evidence kinds completion must cite, comma list (kind or kind@tier, e.g. pr@ci)')
    .option('--tags <list>', 'comma list of tags')
    .option('--due <date>', 'due date, YYYY-MM-DD')
    .action((o, cmd) =>
      withRuntime(cmd, async (runtime, opts) => {
        const me = cliActor(opts);
        const t = await runtime.sortie.createTask(me, {
          title: o.title,
          missionId: o.mission,
          project: o.project,
          description: o.description,
          assignedTo: o.assign,
          priority: o.priority,
          dependsOn: list(o.dependsOn),
          requiredEvidence: list(o.requires),
          tags: list(o.tags),
          dueDate: o.due,
        });
        await printTask(runtime, me, opts, t);
      }),
    );
  task
    .command('claim [task]')
    .description('claim a task (or --next: the best ready one)')
    .option('--mission <m>', 'the mission whose T-key names the task (a task id alone needs none)')
    .option('--next', 'claim the best ready task for you')
    .option('--lease-minutes <n>', 'lease length', intOption('lease-minutes'))
    .option('--takeover', "move a live claim held by another instance of your agent to this one (new epoch); never another agent's")
    .action((ref: string | undefined, o, cmd) =>
      withRuntime(cmd, async (runtime, opts) => {
        const { sortie } = runtime;
        const me = cliActor(opts);
        if (!ref && !o.next) throw validationFailed('task', 'name a task or pass --next');
        if (!ref && o.takeover)
          throw validationFailed('takeover', 'takeover needs a named task', 'Name the task to take over; sortie task list shows the claims.');
        const t = ref
          ? await sortie.checkoutTask(me, { taskId: ref, missionId: o.mission, leaseMinutes: o.leaseMinutes, takeover: o.takeover })
          : await sortie.claimNextTask(me, { missionId: o.mission, leaseMinutes: o.leaseMinutes });
        await printTask(runtime, me, opts, t, 'nothing ready for you');
      }),
    );
  task
    .command('complete <task>')
    .description('complete a task you hold, citing evidence')
    .option('--mission <m>', 'the mission whose T-key names the task (a task id alone needs none)')
    .requiredOption('--note <text>', 'completion note; evidence in it is parsed')
    .option('--evidence <kind:value>', 'an explicit item (repeatable)', collect)
    .option('--allow-no-evidence <reason>', 'only when no evidence can exist')
    .option('--review', 'submit for review instead of done')
    .action((ref, o, cmd) =>
      showTask(ref, o, cmd, ({ sortie }, me, t) => {
        const input = { completionNote: o.note, evidence: parseEvidenceArgs(o.evidence), allowNoEvidence: o.allowNoEvidence };
        return o.review ? sortie.submitForReview(me, { ...t, ...input }) : sortie.completeTask(me, { ...t, ...input });
      }),
    );
  task
    .command('block <task>')
    .description('block a task you hold')
    .option('--mission <m>', 'the mission whose T-key names the task (a task id alone needs none)')
    .option('--reason <text>', 'what it waits for')
    .option('--on <task>', 'the task it waits on')
    .addOption(new Option('--cause <c>', 'who can unblock it').choices(['peer_task', 'human', 'authorisation', 'other']))
    .action((ref, o, cmd) =>
      showTask(ref, o, cmd, ({ sortie }, me, t) => sortie.blockTask(me, { ...t, reason: o.reason, blockedOnTaskId: o.on, blockedCause: o.cause })),
    );
  task
    .command('pause <task>')
    .description('pause a task you hold: back to todo with a reason, claim released, assignee kept')
    .option('--mission <m>', 'the mission whose T-key names the task (a task id alone needs none)')
    .requiredOption('--reason <text>', 'why the work stops and where it stands')
    .action((ref, o, cmd) => showTask(ref, o, cmd, ({ sortie }, me, t) => sortie.pauseTask(me, { ...t, reason: o.reason })));
  task
    .command('release <task>')
    .description('hand back a task you hold')
    .option('--mission <m>', 'the mission whose T-key names the task (a task id alone needs none)')
    .option('--reason <text>', 'why you hand it back')
    .action((ref, o, cmd) => showTask(ref, o, cmd, ({ sortie }, me, t) => sortie.releaseTask(me, { ...t, reason: o.reason })));
  task
    .command('fail <task>')
    .description('mark a task you hold as failed')
    .option('--mission <m>', 'the mission whose T-key names the task (a task id alone needs none)')
    .requiredOption('--note <text>', 'what you tried and why it cannot be done')
    .action((ref, o, cmd) => showTask(ref, o, cmd, ({ sortie }, me, t) => sortie.failTask(me, { ...t, failureNote: o.note })));
  task
    .command('cancel <task>')
    .description('cancel a task (creator or pilot)')
    .option('--mission <m>', 'the mission whose T-key names the task (a task id alone needs none)')
    .requiredOption('--reason <text>', 'why it will not be done')
    .action((ref, o, cmd) => showTask(ref, o, cmd, ({ sortie }, me, t) => sortie.cancelTask(me, { ...t, cancelReason: o.reason })));
  task
    .command('reopen <task>')
    .description('return a closed task to todo')
    .option('--mission <m>', 'the mission whose T-key names the task (a task id alone needs none)')
    .requiredOption('--reason <text>', 'why it must be done again')
    .action((ref, o, cmd) => showTask(ref, o, cmd, ({ sortie }, me, t) => sortie.reopenTask(me, { ...t, reason: o.reason })));

  program
    .command('events')
    .description('print the change feed')
    .option('--since <seq>', 'after this sequence number', intOption('since'), 0)
    .option('--mission <m>', 'only events of this mission')
    .option('--task <t>', 'only events of this task (id)')
    .option('--limit <n>', 'max events per read', intOption('limit'), 100)
    .option('--follow', 'keep printing new events')
    .action((o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        const me = cliActor(opts);
        let since = o.since as number;
        const emit = async () => {
          for (;;) {
            const page = await sortie.listEvents(me, { since, missionId: o.mission, taskId: o.task, limit: o.limit });
            for (const e of page.items) process.stdout.write(`${opts.json ? JSON.stringify(e) : eventLine(e)}\n`);
            since = page.lastSeq;
            if (!o.follow || page.items.length < o.limit) return;
          }
        };
        await emit();
        if (!o.follow) return;
        await sortie.changes.start();
        await new Promise<void>((resolve) => {
          const unsubscribe = sortie.changes.subscribe(() => void emit());
          const stop = () => {
            unsubscribe();
            resolve();
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      }),
    );

  const db = program.command('db').description('database maintenance');
  db.command('migrate')
    .description('apply pending migrations (safe to run from many processes at once)')
    .action(async (_o, cmd) => {
      const opts = globalOptions(cmd);
      const { openDatabase } = await import('../db/database.js');
      const { migrate, migrationStatus } = await import('../db/migrate.js');
      const { checkedDatabaseUrl } = await import('../runtime/paths.js');
      const database = await openDatabase(checkedDatabaseUrl(opts.db));
      try {
        const applied = await migrate(database);
        const status = await migrationStatus(database);
        print(opts, { database: database.location, applied, migrations: status }, () =>
          [
            `database: ${database.location}`,
            applied.length ? `applied: ${applied.join(', ')}` : 'up to date',
            ...status.map((s) => `  ${s.name}  ${s.appliedAt ?? 'pending'}`),
          ].join('\n'),
        );
      } finally {
        await database.close();
      }
    });

  const project = program.command('project').description('project settings');
  project
    .command('set <name>')
    .description(
      "change a project's settings: its local git repository (verifies commit and file evidence), web URL, and limit on tasks in progress per agent instance; settings not given stay as they are",
    )
    .option('--repo <path>', "local git repository path ('' clears)")
    .option('--url <url>', "repository web URL, e.g. https://github.com/org/repo ('' clears)")
    .option(
      '--max-in-progress <n>',
      `tasks in progress allowed per agent instance: N, off (or 0) for no limit, default (${DEFAULT_MAX_IN_PROGRESS})`,
      maxInProgressOption,
    )
    .action((name, o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        const { resolve } = await import('node:path');
        const given = (value: string | undefined, map: (v: string) => string = (v) => v) =>
          value === undefined ? undefined : value === '' ? null : map(value);
        const result = await sortie.configureProject(cliActor(opts), {
          name,
          repoPath: given(o.repo, (v) => resolve(v)),
          repoUrl: given(o.url),
          maxInProgress: o.maxInProgress,
        });
        print(
          opts,
          result,
          () => `project ${result.name}: repo ${result.repoPath ?? '—'}, url ${result.repoUrl ?? '—'}, in progress ${limitLabel(result.maxInProgress)}`,
        );
      }),
    );
  project
    .command('list')
    .description('list configured projects')
    .action((_o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        const rows = await sortie.listProjects(cliActor(opts), {});
        print(opts, rows, () =>
          rows.length
            ? table([
                ['PROJECT', 'REPO', 'URL', 'IN PROGRESS'],
                ...rows.map((r) => [r.name, r.repo_path ?? '—', r.repo_url ?? '—', limitLabel(r.max_in_progress)]),
              ])
            : 'no projects configured',
        );
      }),
    );

  registerFleetCommands(program);
  registerGithubCommands(program);
  registerTemplateCommands(program);
  registerInboxCommand(program);
  registerInitCommands(program);
  registerWaitCommand(program);
  markRequired(program);
  return program;
}

/** Help marks each option a command cannot run without (commander's requiredOption) as "(required)". */
function markRequired(command: Command): void {
  for (const option of command.options) {
    if (option.mandatory && !option.description.includes('(required)')) option.description = `${option.description} (required)`.trim();
  }
  for (const sub of command.commands) markRequired(sub);
}

export async function main(argv: string[]): Promise<void> {
  // `sortie events --json | head -1`: the reader has gone, so nothing more can be shown; stop quietly, not with
  // an EPIPE stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(0);
  });
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = report(error, { json: program.opts().json === true });
  }
}
