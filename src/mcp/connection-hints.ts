// What a refusal tells a caller to change about its connection, in the terms of the transport it came over: a stdio
// server is started with flags, an HTTP caller sends headers or query parameters on /mcp.
import { PROFILES, type Profile } from './profiles.js';
import { TOOLS } from './tools/index.js';

/** The transport a connection came over; 'memory' (tests, in-process) is worded as stdio. */
export type McpTransportName = 'stdio' | 'http' | 'memory';

/** How a connection without an identity gets one, for the "no caller identity" refusal. */
export function identityHint(transport: McpTransportName): string {
  return transport === 'http'
    ? 'Send the X-Sortie-Agent: NAME header (or ?agent=NAME on the /mcp URL), or a token (Authorization: Bearer …), or pass callerOrchestrator.'
    : 'Start the server with --agent NAME (or SORTIE_AGENT), or pass callerOrchestrator.';
}

function pickProfile(transport: McpTransportName, profile: Profile): string {
  return transport === 'http'
    ? `connect with ?tools=${profile} on the /mcp URL (or the X-Sortie-Tools: ${profile} header)`
    : `start sortie mcp with --tools ${profile}`;
}

/**
 * The hint for a tools/call naming a tool this connection does not offer: which profiles carry it and how to pick
 * one on this transport, or, for a name no profile has, where the list is.
 */
export function unknownToolHint(name: string, profile: Profile, transport: McpTransportName): string {
  const tool = TOOLS.find((t) => t.name === name);
  if (!tool) return `No Sortie tool has that name; tools/list shows the tools this connection offers (profile ${profile}).`;
  // Narrowest first: the profile a caller most likely wants is the smallest one that carries the tool.
  const carriers = [...PROFILES].reverse().filter((p) => tool.profiles.includes(p));
  return `${name} is in the ${carriers.join(' and ')} profile${carriers.length > 1 ? 's' : ''}, not ${profile}: ${pickProfile(transport, carriers[0])}.`;
}
