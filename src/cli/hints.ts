// Refusal hints in the CLI's own terms: the service writes hints for MCP agents (tool and argument names); the CLI
// renders them as its commands and options. One table: every MCP name a hint can carry is here (test/cli-hints.test.ts).

/** Whole MCP expressions, with their arguments, rendered before single names (first match wins, in order). */
const PHRASES: ReadonlyArray<readonly [RegExp, string]> = [
  [/checkout_task \{taskId: "([^"]+)", takeover: true\}/g, 'sortie task claim $1 --takeover'],
  [/checkout_task \{taskId, takeover: true\}/g, 'sortie task claim TASK --takeover'],
  [/checkout_task \{takeover: true\}/g, 'sortie task claim TASK --takeover'],
  [/checkout_task with takeover: true/g, 'sortie task claim TASK --takeover'],
  [/\(my_work lists it under heldElsewhere\)/g, '(sortie task show TASK names its holder)'],
  [/list_tasks with ready: true/g, 'sortie task list --ready'],
  [/list_mission_templates \{project: "([^"]*)"\}/g, 'sortie template list --project $1'],
  [/update_mission_status to (\w+) with a reason/g, 'sortie mission status MISSION $1 --reason TEXT'],
  [/cancel_task with a reason/g, 'sortie task cancel TASK --reason TEXT'],
  [/create_task with missionId/g, 'sortie task create --mission MISSION'],
  [/checkout_task or start_task/g, 'sortie task claim TASK'],
  [/in completionNote or the evidence list/g, 'in --note or with --evidence kind:value'],
  [/\(cancelReason or reason\)/g, '(--reason)'],
  [/evidence items \(\{kind, value\}\)/g, 'evidence (--evidence kind:value)'],
];

/**
 * Every MCP tool or argument name that appears in a hint, as the CLI says it. `null`: deliberately left as is — the
 * CLI has no such command or option (update_task, my_work), or the hint is never reached from the CLI (identity
 * arguments: the CLI always acts as --agent), or the word is also the CLI's own label (dependsOn in `task show`).
 */
export const CLI_TERMS: Readonly<Record<string, string | null>> = {
  // tools
  add_mission_evidence: 'sortie mission evidence',
  ack_messages: 'sortie inbox --ack',
  block_task: 'sortie task block',
  cancel_task: 'sortie task cancel',
  check_messages: 'sortie inbox',
  checkout_task: 'sortie task claim TASK',
  claim_next_task: 'sortie task claim --next',
  complete_task: 'sortie task complete',
  create_mission: 'sortie mission create',
  create_recurring_task: 'sortie recurring create',
  create_task: 'sortie task create',
  fail_task: 'sortie task fail',
  get_mission: 'sortie mission show',
  get_task: 'sortie task show',
  instantiate_template_into_mission: 'sortie template apply --mission MISSION',
  list_events: 'sortie events',
  list_mission_templates: 'sortie template list',
  list_missions: 'sortie mission list',
  list_recurring_tasks: 'sortie recurring list',
  list_tasks: 'sortie task list',
  pause_recurring_task: 'sortie recurring pause',
  pause_task: 'sortie task pause',
  release_task: 'sortie task release',
  reopen_task: 'sortie task reopen',
  resume_recurring_task: 'sortie recurring resume',
  start_task: 'sortie task claim TASK',
  update_mission_progress: 'sortie mission progress',
  update_mission_status: 'sortie mission status',
  update_mission_template: 'sortie template import',
  heartbeat_task: null,
  my_work: null,
  remove_task_dependency: null,
  update_mission: null,
  update_task: null,
  // arguments
  allowNoEvidence: '--allow-no-evidence',
  assignedTo: '--assign',
  blockedOnTaskId: '--on',
  completionNote: '--note',
  missionId: '--mission',
  blockedBy: null,
  callerOrchestrator: null,
  cancelReason: null,
  createdBy: null,
  dependsOn: null,
  taskId: null,
  upToSeq: null,
};

const NAMES = Object.entries(CLI_TERMS).filter((e): e is [string, string] => e[1] !== null);
const NAME_RE = new RegExp(`\\b(${NAMES.map(([name]) => name).join('|')})\\b`, 'g');
const TERM = new Map(NAMES);

/** A hint written for MCP agents, in the CLI's terms. */
export function cliHint(hint: string): string {
  let out = hint;
  for (const [pattern, replacement] of PHRASES) out = out.replace(pattern, replacement);
  return out.replace(NAME_RE, (name) => TERM.get(name) ?? name);
}
