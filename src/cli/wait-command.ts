// `sortie wait`: blocks until a task is ready for the agent, claims it and prints it — or, with --messages, until an
// unread message comes first. Agents run it as a background command and are woken when it exits (docs/inbox.md).
import type { Command } from 'commander';
import { validationFailed } from '../core/errors.js';
import type { InboxMessage, Task } from '../core/model.js';
import { sweepLeases } from '../runtime/lease-sweep.js';
import { cliActor, intOption, print, withRuntime } from './common.js';

/** The exit code when --timeout passed with nothing ready (the code timeout(1) uses; 1 is an error, 2 a usage error). */
export const WAIT_TIMED_OUT = 124;
/** The exit codes of a wait ended by a signal (128 + its number): nothing was claimed. */
const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };
/**
 * What a waiting command runs besides the wait: with background work the runtime follows the change feed (LISTEN/
 * NOTIFY on PostgreSQL, the 500 ms probe on SQLite), and the lease sweep turns expired leases into the events that
 * wake waiters even when no server runs on the database.
 */
const WAIT_WORK = { background: [sweepLeases] };
/** The longest --timeout: past ~24.8 days a Node timer fires at once; without --timeout it waits forever anyway. */
const MAX_TIMEOUT_SECONDS = 7 * 24 * 3600;

function claimedText(t: Task): string {
  const ref = t.key ?? t.taskId;
  const where = [t.missionId ? `mission ${t.missionId}` : null, `project ${t.project}`].filter(Boolean).join(', ');
  const complete = `sortie task complete ${ref}${t.key && t.missionId ? ` --mission ${t.missionId}` : ''} --note "what you did, citing evidence"`;
  return [
    `claimed ${ref} "${t.title}" (${where}), lease until ${t.claim?.leaseExpiresAt ?? '—'}`,
    // This command is its own session (instance): an MCP session of the same agent takes the claim over explicitly.
    `next: from your MCP session, take it with checkout_task {taskId: "${t.taskId}", takeover: true} (it was claimed here as ${t.claim?.claimedByInstance ?? 'the default instance'}), work it, then complete_task; from a shell: \`${complete}\``,
  ].join('\n');
}

function messagesText(messages: InboxMessage[], unread: number, lastSeq: number | null): string {
  const lines = messages.map((m) => {
    const about = [m.missionId ? `mission ${m.missionId}` : null, m.taskId ? `task ${m.taskId}` : null].filter(Boolean).join(', ');
    return `  [${m.seq}] ${m.kind} from ${m.from}${about ? ` (${about})` : ''}: ${m.text}`;
  });
  return [
    `${unread} unread message${unread === 1 ? '' : 's'}; nothing was claimed`,
    ...lines,
    `read and acknowledge them with \`sortie inbox --ack\` (or check_messages {ackUpToSeq: ${lastSeq}}), then wait again`,
  ].join('\n');
}

export function registerWaitCommand(program: Command): void {
  program
    .command('wait')
    .description(`wait until a task is ready for you, claim it and print it (exit 0); exit ${WAIT_TIMED_OUT} when --timeout passes first`)
    .option('--mission <m>', 'only tasks of this mission')
    .option('--project <p>', 'only tasks of this project')
    .option('--lease-minutes <n>', 'lease length of the claim', intOption('lease-minutes'))
    .option('--messages', 'also return (exit 0, nothing claimed, nothing acknowledged) when an unread inbox message comes first')
    .option('--timeout <seconds>', `give up after this many seconds, exit ${WAIT_TIMED_OUT} (default: wait until interrupted)`, intOption('timeout'))
    .action(async (o, cmd) => {
      if (o.timeout !== undefined && (o.timeout < 0 || o.timeout > MAX_TIMEOUT_SECONDS)) {
        throw validationFailed('timeout', `must be 0 to ${MAX_TIMEOUT_SECONDS} seconds, got ${o.timeout}`, 'Leave out --timeout to wait until interrupted.');
      }
      // Signals are taken before the database opens: one that arrives at any point ends the wait cleanly.
      const controller = new AbortController();
      let signalled: keyof typeof SIGNAL_EXIT | undefined;
      const onSignal = (name: NodeJS.Signals) => {
        signalled ??= name as keyof typeof SIGNAL_EXIT;
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      // Nothing else holds the process open while it waits: the feed's and the sweep's timers are unref'd.
      const keepAlive = setInterval(() => {}, 1 << 30);
      try {
        await withRuntime(
          cmd,
          async ({ sortie }, opts) => {
            const me = cliActor(opts);
            const woken = await sortie.awaitWork(
              me,
              { claim: { missionId: o.mission, project: o.project, leaseMinutes: o.leaseMinutes }, messages: o.messages === true },
              {
                timeoutMs: o.timeout === undefined ? undefined : o.timeout * 1000,
                signal: controller.signal,
                onIdle: () =>
                  process.stderr.write(`sortie wait: nothing for ${me.agent} yet; waiting${o.messages ? ' for a task or a message' : ' for a task'}\n`),
              },
            );
            if (signalled) {
              process.stderr.write(`sortie wait: ${signalled}; nothing claimed\n`);
              process.exitCode = SIGNAL_EXIT[signalled];
            } else if (!woken) {
              print(opts, { claimed: false, timedOut: true, timeoutSeconds: o.timeout }, () => `nothing came in ${o.timeout} s; run \`sortie wait\` again`);
              process.exitCode = WAIT_TIMED_OUT;
            } else if ('task' in woken) {
              print(opts, { claimed: true, task: woken.task }, () => claimedText(woken.task));
            } else {
              const { messages, unread, lastSeq } = woken.inbox;
              print(opts, { claimed: false, messages, unread, lastSeq }, () => messagesText(messages, unread, lastSeq));
            }
          },
          WAIT_WORK,
        );
      } finally {
        clearInterval(keepAlive);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
