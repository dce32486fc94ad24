// The tool profiles an MCP connection picks (`--tools`, `?tools=`, a token's profile): who each tool is for, and what
// each profile's tools/list may cost. The tools themselves are listed in tools/index.ts.
export const PROFILES = ['full', 'pilot', 'worker'] as const;
export type Profile = (typeof PROFILES)[number];

/** Who a tool is for, named on each tool: every profile, the managers (pilots and the full profile), admins only. */
export const ALL: readonly Profile[] = ['full', 'pilot', 'worker'];
export const MANAGERS: readonly Profile[] = ['full', 'pilot'];
export const ADMIN: readonly Profile[] = ['full'];

/**
 * The tools/list budget per profile, in tokens (JSON characters ÷ 4): what an agent pays in context on every
 * session before it does anything. test/tool-budget.test.ts fails above these; the README states them.
 */
export const TOKEN_BUDGETS: Readonly<Record<Profile, number>> = { worker: 8_700, pilot: 15_100, full: 19_000 };
