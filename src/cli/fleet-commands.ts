// Fleet-mode commands: `sortie token create|list|revoke` and `sortie db copy` (embedded database → PostgreSQL).
import { type Command, Option } from 'commander';
import { validationFailed } from '../core/errors.js';
import { ROLES } from '../core/permissions.js';
import { collect, globalOptions, intOption, operator, print, withRuntime } from './common.js';
import { table } from './format.js';

export function registerFleetCommands(program: Command): void {
  const token = program.command('token').description('access tokens for `sortie serve` (fleet mode): create, list, revoke');
  token
    .command('create')
    .description('create a token for an agent (--agent NAME); its secret is printed once and stored only as a hash')
    .addOption(new Option('--role <role>', 'what it may do').choices(ROLES as unknown as string[]).default('worker'))
    .option('--project <name>', 'a project it may see and touch (repeatable or comma list; default every project)', collect)
    .option('--note <text>', 'what it is for')
    .action((o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        if (!opts.agent)
          throw validationFailed('agent', 'name the agent the token acts as', 'sortie token create --agent alice [--role pilot] [--project web]');
        const { token: secret, info } = await sortie.createToken(operator(), { agent: opts.agent, role: o.role, projects: o.project, note: o.note });
        print(opts, { token: secret, ...info }, () =>
          [
            `token ${info.tokenId} for ${info.agent} (${info.role}; projects: ${info.projects?.join(', ') ?? 'all'})`,
            '',
            `  ${secret}`,
            '',
            'Store it now: it is shown only this once. Agents send it as "Authorization: Bearer <token>".',
          ].join('\n'),
        );
      }),
    );
  token
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--all', 'include revoked tokens')
    .action((o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        const rows = await sortie.listTokens(operator(), { includeRevoked: o.all });
        print(opts, rows, () =>
          rows.length
            ? table([
                ['ID', 'AGENT', 'ROLE', 'PROJECTS', 'CREATED', 'LAST USED', 'REVOKED', 'NOTE'],
                ...rows.map((t) => [
                  t.tokenId,
                  t.agent,
                  t.role,
                  t.projects?.join(',') ?? '*',
                  t.createdAt,
                  t.lastUsedAt ?? '—',
                  t.revokedAt ?? '—',
                  t.note ?? '',
                ]),
              ])
            : 'no tokens',
        );
      }),
    );
  token
    .command('revoke <id>')
    .description('revoke a token: the next request that presents it is refused with 401, on every replica')
    .action((id: string, _o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        const info = await sortie.revokeToken(operator(), { tokenId: id });
        print(opts, info, () => `token ${info.tokenId} of ${info.agent} revoked at ${info.revokedAt}`);
      }),
    );

  const db = program.commands.find((c) => c.name() === 'db') ?? program.command('db').description('database maintenance');
  db.command('copy')
    .description('copy every table of an embedded database into another (e.g. PostgreSQL), verified by row counts and checksums')
    .requiredOption('--from <file>', 'the source database: a SQLite file path (or any database URL)')
    .requiredOption('--to <url>', 'the target database, e.g. postgres://user@host/sortie (migrated first)')
    .option('--replace', 'delete what the target already holds in the copied tables (default: refuse a non-empty target)')
    .option('--page-size <n>', 'rows read per query', intOption('page-size'), 1000)
    .action(async (o: { from: string; to: string; replace?: boolean; pageSize: number }, cmd: Command) => {
      const opts = globalOptions(cmd);
      const { openDatabase } = await import('../db/database.js');
      const { copyDatabase, CopyMismatchError } = await import('../db/copy.js');
      const source = await openDatabase(o.from);
      try {
        const target = await openDatabase(o.to);
        try {
          const report = await copyDatabase(source, target, { replace: o.replace, pageSize: o.pageSize }).catch((error) => {
            if (error instanceof CopyMismatchError) print(opts, error.report, () => drawReport(error.report));
            throw error;
          });
          print(opts, report, () => `${drawReport(report)}\n\ncopied ${report.tables.reduce((n, t) => n + t.targetRows, 0)} rows; every table matches`);
        } finally {
          await target.close();
        }
      } finally {
        await source.close();
      }
    });
}

function drawReport(report: import('../db/copy.js').CopyReport): string {
  return [
    `from ${report.source}`,
    `to   ${report.target}${report.replaced ? ' (replaced)' : ''}`,
    '',
    table([
      ['TABLE', 'SOURCE ROWS', 'TARGET ROWS', 'SOURCE CHECKSUM', 'TARGET CHECKSUM', ''],
      ...report.tables.map((t) => [
        t.table,
        String(t.sourceRows),
        String(t.targetRows),
        t.sourceChecksum.slice(0, 16),
        t.targetChecksum.slice(0, 16),
        t.ok ? 'ok' : 'MISMATCH',
      ]),
    ]),
  ].join('\n');
}
