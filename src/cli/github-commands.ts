// `sortie github link|list|unlink`: repositories whose webhooks `sortie serve` accepts at POST /hooks/github.
import type { Command } from 'commander';
import { collect, operator, print, withRuntime } from './common.js';
import { table } from './format.js';

export function registerGithubCommands(program: Command): void {
  const github = program.command('github').description('GitHub repositories whose issues become missions and whose checks confirm evidence');
  github
    .command('link <repo>')
    .description('link OWNER/REPO to a project; prints its webhook secret once (see docs/github.md)')
    .requiredOption('--project <name>', 'the project its missions go to')
    .requiredOption('--pilot <agent>', 'the pilot of each issue’s mission')
    .option('--agents <names>', 'the agents on each mission (repeatable or comma list)', collect)
    .option('--template <name>', 'the template each issue’s mission follows', 'issue-resolution')
    .option('--label <label>', 'only issues with this label become missions (opened with it, or labelled later)')
    .option('--require-check <name>', 'a check that must pass for ci evidence (repeatable; default: every reported check)', collect)
    .option('--replace', 'replace an existing link of the repository, with a new secret')
    .action((repo: string, o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        const { secret, link } = await sortie.linkGithubRepo(operator(), {
          repo,
          project: o.project,
          pilot: o.pilot,
          agents: o.agents,
          template: o.template,
          label: o.label,
          requiredChecks: o.requireCheck,
          replace: Boolean(o.replace),
        });
        print(opts, { secret, ...link }, () =>
          [
            `${link.repo} linked to project ${link.project}: issues${link.label ? ` labelled ${link.label}` : ''} become ${link.template} missions piloted by ${link.pilot}`,
            '',
            `  webhook secret: ${secret}`,
            '',
            'Store it now: it is shown only this once. On GitHub: Settings → Webhooks → Add webhook:',
            '  Payload URL   https://YOUR-SORTIE-HOST/hooks/github',
            '  Content type  application/json',
            '  Secret        the secret above',
            '  Events        Issues, Pull requests, Check suites, Check runs, Statuses',
          ].join('\n'),
        );
      }),
    );
  github
    .command('list')
    .description('the linked repositories (never their secrets)')
    .action((_o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        const links = await sortie.listGithubLinks(operator(), {});
        print(opts, links, () =>
          links.length
            ? table([
                ['REPO', 'PROJECT', 'PILOT', 'AGENTS', 'TEMPLATE', 'LABEL', 'REQUIRED CHECKS', 'DELIVERIES', 'LAST DELIVERY'],
                ...links.map((l) => [
                  l.repo,
                  l.project,
                  l.pilot,
                  l.agents.join(',') || '—',
                  l.template,
                  l.label ?? '—',
                  l.requiredChecks.join(',') || 'all reported',
                  String(l.deliveries ?? 0),
                  l.lastDeliveryAt ?? '—',
                ]),
              ])
            : 'no linked repositories (sortie github link OWNER/REPO --project P --pilot AGENT)',
        );
      }),
    );
  github
    .command('unlink <repo>')
    .description('unlink a repository: its deliveries are refused from now on and its evidence is no longer ci')
    .action((repo: string, _o, cmd) =>
      withRuntime(cmd, async ({ sortie }, opts) => {
        const gone = await sortie.unlinkGithubRepo(operator(), { repo });
        print(opts, gone, () => `${gone.repo} unlinked from project ${gone.project}`);
      }),
    );
}
