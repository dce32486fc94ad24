// `sortie template list|show|apply|import|export` and `sortie recurring list|show|create|pause|resume|delete`.
import { readFile, writeFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { validationFailed } from '../core/errors.js';
import { templateToInput } from '../core/template.js';
import { cliActor, intOption, list, print, withRuntime } from './common.js';
import { collectRepeated, parseContextArgs } from './context-option.js';
import { drawMission } from './format.js';
import { drawRecurring, drawTemplate, recurringTable, templateTable } from './template-format.js';

const PRIORITIES = ['low', 'medium', 'high', 'urgent'];

export function registerTemplateCommands(program: Command): void {
  const template = program.command('template').description('mission templates: list, show, apply, import, export');
  template
    .command('list')
    .description('list a project’s templates (built-in and saved there; * marks the default)')
    .option('--project <p>', 'whose templates (default: the default project)')
    .action((o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        const result = await sortie.listTemplates(cliActor(opts), { project: o.project });
        print(opts, result, () => templateTable(result.items));
      }),
    );
  template
    .command('show <name>')
    .description('draw a template (name, or name@version): its steps, owners, required evidence and dependency tree')
    .option('--project <p>', 'resolve it in this project (default: the default project)')
    .action((name, o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        const t = await sortie.getTemplate(cliActor(opts), { name, project: o.project });
        print(opts, t, () => drawTemplate(t));
      }),
    );
  template
    .command('apply <name>')
    .description('instantiate a template: into an existing mission (--mission), or as a new mission (--name)')
    .option('--mission <m>', 'existing mission to add the steps to')
    .option('--name <name>', 'create a new mission with this name')
    .option('--pilot <agent>', 'pilot of the new mission (default: you)')
    .option('--agents <list>', 'comma-separated agents of the new mission')
    .option('--project <p>', 'project of the new mission, whose templates are looked up (default: $SORTIE_PROJECT, else default)')
    .addOption(new Option('--priority <p>', 'priority of the new mission').choices(PRIORITIES).default('medium'))
    .option('--brief <markdown>', 'brief of the new mission (default: the template’s)')
    .addOption(new Option('--status <s>', 'starting stage of the new mission').choices(['brainstorm', 'plan']))
    .option('--context <key=value>', 'a placeholder value (repeatable)', collectRepeated)
    .option('--title-prefix <text>', 'prefix for every task title')
    .action((name, o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        const me = cliActor(opts);
        const context = parseContextArgs(o.context);
        if (o.mission && o.name) throw validationFailed('mission', 'pass --mission (existing) or --name (new), not both');
        if (o.mission) {
          const result = await sortie.instantiateTemplate(me, { templateName: name, missionId: o.mission, context, titlePrefix: o.titlePrefix });
          const m = await sortie.getMission(me, { missionId: result.missionId });
          print(opts, { ...result, mission: m }, () => `${result.count} task(s) added: ${result.keys.join(', ')}\n\n${drawMission(m)}`);
          return;
        }
        if (!o.name) throw validationFailed('name', 'name the new mission (--name) or an existing one (--mission)');
        const input = {
          name: o.name,
          pilot: o.pilot ?? me.agent,
          agents: list(o.agents),
          project: o.project,
          priority: o.priority,
          brief: o.brief,
          status: o.status,
        };
        const m = await sortie.createMissionFromTemplate(me, { ...input, template: name, context, titlePrefix: o.titlePrefix });
        print(opts, m, () => drawMission(m));
      }),
    );
  template
    .command('import <file>')
    .description('save a template from a JSON file (the export format) as a new version in one project')
    .option('--project <p>', 'save it into this project (default: the default project)')
    .action((file, o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(await readFile(file, 'utf8'));
        } catch (error) {
          throw validationFailed('file', `${file} is not a readable JSON file (${(error as Error).message})`, 'Start from `sortie template export NAME`.');
        }
        // "version" in a file is informational: every save allocates the next version.
        const { version: _ignored, ...input } = body;
        const result = await sortie.updateTemplate(cliActor(opts), { ...input, project: o.project } as never);
        print(opts, result, () => `saved ${result.name} v${result.version} (${result.stepCount} steps) in project ${result.project}`);
      }),
    );
  template
    .command('export <name>')
    .description('print a template (name, or name@version) as an editable JSON file, or write it with --out')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--project <p>', 'resolve it in this project (default: the default project)')
    .action((name, o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        const t = await sortie.getTemplate(cliActor(opts), { name, project: o.project });
        const text = `${JSON.stringify({ ...templateToInput(t), version: t.version }, null, 2)}\n`;
        if (o.out) {
          await writeFile(o.out, text);
          print(opts, { name: t.name, version: t.version, file: o.out }, () => `wrote ${t.name} v${t.version} to ${o.out}`);
        } else process.stdout.write(text);
      }),
    );

  const recurring = program.command('recurring').description('recurring work: list, show, create, pause, resume, delete');
  recurring
    .command('list')
    .description('list recurring tasks')
    .option('--project <p>', 'only recurring tasks of this project')
    .addOption(new Option('--status <s>', 'which to list').choices(['active', 'paused', 'all']).default('all'))
    .option('--limit <n>', 'max rows', intOption('limit'), 100)
    .action((o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        const page = await sortie.listRecurring(cliActor(opts), { project: o.project, status: o.status, limit: o.limit });
        print(opts, page, () => recurringTable(page.items));
      }),
    );
  recurring
    .command('show <id>')
    .description('show a recurring task, its next five runs and its recent runs')
    .action((id, _o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        const r = await sortie.getRecurring(cliActor(opts), { recurringTaskId: id });
        print(opts, r, () => drawRecurring(r));
      }),
    );
  recurring
    .command('create')
    .description('schedule a task, or a mission from a template (--template), on a cron schedule')
    .requiredOption('--title <title>', 'task title or mission name; {{date}} is the due date')
    .requiredOption('--cron <expr>', '5-field cron, e.g. "0 9 * * 1" for Mondays 09:00')
    .option('--timezone <zone>', 'IANA time zone', 'UTC')
    .addOption(new Option('--overlap <policy>', 'skip: no new instance while the last is open').choices(['skip', 'allow']).default('skip'))
    .option('--template <name>', 'create a whole mission from this template')
    .option('--pilot <agent>', 'mission pilot (default: --assign, else you)')
    .option('--agents <list>', 'comma-separated mission agents')
    .option('--context <key=value>', 'a placeholder value (repeatable)', collectRepeated)
    .option('--brief <markdown>', 'mission brief (default: the template’s)')
    .option('--assign <agent>', 'task assignee')
    .addOption(new Option('--priority <p>', 'priority of each instance').choices(PRIORITIES).default('medium'))
    .option('--description <text>', 'task description')
    .option('--project <p>', 'the project (default: $SORTIE_PROJECT, else default)')
    .option('--tags <list>', 'comma list of task tags')
    .option('--requires <kinds>', 'evidence kinds each task instance requires, comma list (kind or kind@tier)')
    .option('--paused', 'create it paused')
    .action((o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        const r = await sortie.createRecurring(cliActor(opts), {
          title: o.title,
          cronExpression: o.cron,
          timezone: o.timezone,
          overlap: o.overlap,
          templateName: o.template,
          pilot: o.pilot,
          agents: list(o.agents),
          context: parseContextArgs(o.context),
          brief: o.brief,
          assignedTo: o.assign,
          priority: o.priority,
          description: o.description,
          project: o.project,
          tags: list(o.tags),
          requiredEvidence: list(o.requires),
          paused: o.paused,
        });
        print(opts, r, () => drawRecurring(r));
      }),
    );
  for (const [verb, describe] of [
    ['pause', 'stop creating instances until resumed'],
    ['resume', 'resume from now (due times missed while paused are not caught up)'],
  ] as const) {
    recurring
      .command(`${verb} <id>`)
      .description(describe)
      .action((id, _o, cmd) =>
        withRuntime(cmd, async ({ sortie }, opts) => {
          const me = cliActor(opts);
          const r = verb === 'pause' ? await sortie.pauseRecurring(me, { recurringTaskId: id }) : await sortie.resumeRecurring(me, { recurringTaskId: id });
          print(opts, r, () => drawRecurring(r));
        }),
      );
  }
  recurring
    .command('delete <id>')
    .description('delete a recurring task (instances already created stay)')
    .action((id, _o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        const result = await sortie.deleteRecurring(cliActor(opts), { recurringTaskId: id });
        print(opts, result, () => `deleted recurring task ${result.recurringTaskId}`);
      }),
    );
}
