// The hint translation table is complete: every MCP tool or argument name that a refusal hint in the layers the CLI
// calls can carry has a CLI rendering in CLI_TERMS, or is listed there as deliberately left as is.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOOLS } from '../mcp/tools/index.js';
import { CLI_TERMS, cliHint } from './hints.js';

const ROOT = join(import.meta.dirname, '..');
/** The layers whose refusals reach a CLI user. */
const LAYERS = ['core', 'service', 'runtime', 'db'];

/** Every string literal with a space in it (prose: hints and messages) of the layers' non-test sources. */
function proseLiterals(): string[] {
  const out: string[] = [];
  for (const layer of LAYERS) {
    for (const file of readdirSync(join(ROOT, layer)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const source = readFileSync(join(ROOT, layer, file), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*\/\/.*$/gm, '');
      for (const m of source.matchAll(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g)) if (/\s/.test(m[0])) out.push(m[0]);
    }
  }
  return out;
}

describe('CLI hints', () => {
  it('every MCP tool and argument name in a hint has a CLI rendering or is deliberately left as is', () => {
    const tools = new Set(TOOLS.map((t) => t.name));
    const args = new Set(TOOLS.flatMap((t) => Object.keys(t.input)).filter((a) => /[A-Z]/.test(a)));
    const named = new Set<string>();
    for (const literal of proseLiterals()) for (const [word] of literal.matchAll(/[A-Za-z_]+/g)) if (tools.has(word) || args.has(word)) named.add(word);
    // The scan sees the hints it must: a vacuous scan would pass anything.
    expect([...named]).toEqual(expect.arrayContaining(['claim_next_task', 'checkout_task', 'allowNoEvidence', 'list_tasks']));
    const missing = [...named].filter((name) => !(name in CLI_TERMS));
    expect(missing, 'add these to CLI_TERMS in src/cli/hints.ts').toEqual([]);
  });

  it('renders tool calls with their arguments as commands with options', () => {
    expect(cliHint('Finish those tasks first, or pick a ready task (list_tasks with ready: true, or claim_next_task).')).toBe(
      'Finish those tasks first, or pick a ready task (sortie task list --ready, or sortie task claim --next).',
    );
    expect(cliHint('If that session is gone, move the claim here with checkout_task {takeover: true} (my_work lists it under heldElsewhere).')).toBe(
      'If that session is gone, move the claim here with sortie task claim TASK --takeover (sortie task show TASK names its holder).',
    );
    expect(cliHint('take it over with checkout_task {taskId: "01ABC", takeover: true}')).toBe('take it over with sortie task claim 01ABC --takeover');
    expect(cliHint('Only if none can exist, pass allowNoEvidence with the reason.')).toBe('Only if none can exist, pass --allow-no-evidence with the reason.');
    expect(cliHint('The pilot can reopen it (update_mission_status to execute with a reason).')).toBe(
      'The pilot can reopen it (sortie mission status MISSION execute --reason TEXT).',
    );
    expect(cliHint('list_mission_templates {project: "api"} shows the templates.')).toBe('sortie template list --project api shows the templates.');
    // A name kept as is, and text without MCP names, pass through unchanged.
    expect(cliHint('the pilot can reassign with update_task.')).toBe('the pilot can reassign with update_task.');
    expect(cliHint('add --help to the command for its usage')).toBe('add --help to the command for its usage');
  });

  it('every CLI rendering names a real command (sortie …) or an option (--…)', () => {
    for (const [name, term] of Object.entries(CLI_TERMS)) if (term !== null) expect(term, name).toMatch(/^(sortie [a-z]|--[a-z])/);
  });
});
