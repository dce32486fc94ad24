// Identity: the caller is who the connection says; VantagePeers-style name arguments may only agree with it.
import { DomainError, validationFailed } from './errors.js';
import type { Actor } from './model.js';

const AGENT_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;

export function assertAgentName(name: string, field = 'agent'): string {
  if (!AGENT_RE.test(name)) {
    throw validationFailed(field, `"${name}" is not a valid agent name`, 'Agent names are 1–100 letters, digits, . _ @ -.');
  }
  return name;
}

/**
 * Resolves the acting agent. With a connection identity, `createdBy` / `callerOrchestrator` arguments must match
 * it (FORBIDDEN otherwise: nobody acts as someone else). Without one (local use with no --agent), the argument
 * names the caller.
 */
export function resolveActor(connection: Actor | undefined, claimed: Array<string | undefined | null>): Actor {
  const names = claimed.filter((c): c is string => typeof c === 'string' && c.length > 0);
  if (connection) {
    for (const name of names) {
      if (name !== connection.agent && name !== connection.instance) {
        throw new DomainError(
          'FORBIDDEN',
          `this connection acts as "${connection.agent}", not "${name}"`,
          `Drop createdBy/callerOrchestrator or set them to "${connection.agent}"; identity comes from the connection.`,
          { connectionAgent: connection.agent, claimed: name },
        );
      }
    }
    return connection;
  }
  const [first] = names;
  if (!first) {
    throw validationFailed(
      'callerOrchestrator',
      'no caller identity: the connection has none and no createdBy/callerOrchestrator was given',
      'Start the server with --agent NAME (or SORTIE_AGENT), or pass callerOrchestrator.',
    );
  }
  for (const name of names) {
    if (name !== first) {
      throw validationFailed('callerOrchestrator', `createdBy "${first}" and callerOrchestrator "${name}" disagree`);
    }
  }
  return { agent: assertAgentName(first, 'callerOrchestrator') };
}
