// The tool registry: every tool family, in the order tools/list shows them. A new family is one line here; the
// server factory serves the tools of a connection's profile (../profiles.ts) from this list and nothing else.
import type { Profile } from '../profiles.js';
import type { AnyTool } from '../tool.js';
import { FEED_TOOLS } from './feed.js';
import { INBOX_TOOLS } from './inbox.js';
import { MISSION_TOOLS } from './missions.js';
import { RECURRING_TOOLS } from './recurring.js';
import { TASK_TOOLS } from './tasks.js';
import { TEMPLATE_TOOLS } from './templates.js';
import { WORK_TOOLS } from './work.js';

export const TOOLS: readonly AnyTool[] = [...FEED_TOOLS, ...INBOX_TOOLS, ...MISSION_TOOLS, ...TASK_TOOLS, ...WORK_TOOLS, ...TEMPLATE_TOOLS, ...RECURRING_TOOLS];

/** The tools a profile carries, in registry order. */
export function toolsFor(profile: Profile): AnyTool[] {
  return TOOLS.filter((t) => t.profiles.includes(profile));
}
