// Command and tool families beyond the core missions engine register here, so main.ts and the servers stay
// unaware of them: each family adds one line to each list.
import type { Command } from 'commander';
import { registerFleetCommands } from './fleet-commands.js';
import { registerTemplateCommands } from './template-commands.js';

type CommandFamily = (program: Command) => void;

const COMMAND_FAMILIES: CommandFamily[] = [registerFleetCommands, registerTemplateCommands];

export function registerExtraCommands(program: Command): void {
  for (const family of COMMAND_FAMILIES) family(program);
}
