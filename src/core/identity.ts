// Identity: the caller is who the connection says; VantagePeers-style name arguments may only agree with it.
import { z } from 'zod';
import { DomainError, echo, validationFailed } from './errors.js';
import type { Actor } from './model.js';

/**
 * The one name rule, for every identity-like value: agents, instances, pilots, assignees, blockers, project
 * names. 1–100 letters, digits, . _ @ -, starting with a letter or digit: no spaces, control characters or markup,
 * so a name is safe to show anywhere and cheap to index.
 */
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;
export const NAME_RULE = '1–100 letters, digits, . _ @ -, starting with a letter or digit';

export function isName(value: string): boolean {
  return NAME_RE.test(value);
}

/**
 * A name argument, checked by the schema itself so the refusal names the field. A refinement, not a regex: the
 * advertised schema stays small (every tools/list byte is context) and the server still checks every name.
 */
export const Name = z.string().refine(isName, `must be ${NAME_RULE}`);

export function assertAgentName(name: string, field = 'agent'): string {
  if (!NAME_RE.test(name)) {
    throw validationFailed(field, `"${echo(name)}" is not a valid agent name`, `Agent names are ${NAME_RULE}.`);
  }
  return name;
}

/**
 * Resolves the acting agent. With a connection identity, `createdBy` / `callerOrchestrator` arguments must match
 * it (FORBIDDEN otherwise: nobody acts as someone else). Without one (local use with no --agent), the argument
 * names the caller. `howToName` (the hint) tells a caller without either how its connection gets an identity, in
 * the terms of its transport (src/mcp/connection-hints.ts).
 */
export function resolveActor(
  connection: Actor | undefined,
  claimed: Array<string | undefined | null>,
  howToName = 'Give this connection an identity (an agent name or a token), or pass callerOrchestrator.',
): Actor {
  const names = claimed.filter((c): c is string => typeof c === 'string' && c.length > 0);
  if (connection) {
    for (const name of names) {
      if (name !== connection.agent && name !== connection.instance) {
        throw new DomainError(
          'FORBIDDEN',
          `this connection acts as "${connection.agent}", not "${echo(name)}"`,
          `Drop createdBy/callerOrchestrator or set them to "${connection.agent}"; identity comes from the connection.`,
          { connectionAgent: connection.agent, claimed: echo(name) },
        );
      }
    }
    return connection;
  }
  const [first] = names;
  if (!first) {
    throw validationFailed('callerOrchestrator', 'no caller identity: the connection has none and no createdBy/callerOrchestrator was given', howToName);
  }
  for (const name of names) {
    if (name !== first) {
      throw validationFailed('callerOrchestrator', `createdBy "${echo(first)}" and callerOrchestrator "${echo(name)}" disagree`);
    }
  }
  return { agent: assertAgentName(first, 'callerOrchestrator') };
}
