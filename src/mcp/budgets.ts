// The tools/list budget per profile, in tokens (JSON characters ÷ 4): what an agent pays in context on every
// session before it does anything. test/tool-budget.test.ts fails above these; the README states them.
import type { Profile } from './tool.js';

export const TOKEN_BUDGETS: Readonly<Record<Profile, number>> = { worker: 8_500, pilot: 15_000, full: 19_000 };
