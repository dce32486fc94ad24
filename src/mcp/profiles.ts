// The tool profiles an MCP connection picks (`--tools`, `?tools=`, a token's profile): who each tool is for, and what
// each profile's tools/list may cost. The tools themselves are listed in tools/index.ts.
export const PROFILES = ['full', 'pilot', 'worker'] as const;
export type Profile = (typeof PROFILES)[number];

/** Who a tool is for, named on each tool: every profile, the managers (pilots and the full profile), admins only. */
export const ALL: readonly Profile[] = ['full', 'pilot', 'worker'];
export const MANAGERS: readonly Profile[] = ['full', 'pilot'];
export const ADMIN: readonly Profile[] = ['full'];

/**
 * What a profile's tools may cost a model, in JSON characters of what clients send it — each tool's name, description
 * and input schema as advertised (src/mcp/advertise.ts); tokens ≈ characters ÷ 4. An agent pays it on every session
 * before it does anything. test/tool-budget.test.ts fails above these; the README states them.
 */
export const MODEL_BUDGETS: Readonly<Record<Profile, number>> = { worker: 6_000, pilot: 18_500, full: 24_000 };
