// What each token role may do: the one table every use case consults before it touches anything.
// Roles cap what ownership allows: a worker named pilot of a mission still may not move it; ownership checks
// (pilot, creator, holder) run after this and narrow further. An actor without a role is local, unauthenticated
// use (stdio, the CLI on the database file) and keeps every right of the agent it names.
import { DomainError } from './errors.js';
import type { Actor } from './model.js';

export const ROLES = ['admin', 'pilot', 'worker', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const ACTIONS = {
  read: 'read missions, tasks and events',
  'task.work': 'claim, heartbeat, release, complete, block or fail tasks',
  'task.manage': 'create, edit, cancel, reopen, review or delete tasks and their dependencies',
  'mission.manage': 'create or manage missions (fields, stage, progress, evidence)',
  'template.use': 'instantiate mission templates',
  'template.manage': 'create, change or delete mission templates',
  'recurring.manage': 'create, change, pause or delete recurring work',
  'project.configure': 'configure projects',
  'token.manage': 'create, list or revoke access tokens',
  'github.manage': 'link, list or unlink GitHub repositories',
} as const;
export type Action = keyof typeof ACTIONS;

/**
 * viewer reads; worker also works the tasks it claims; pilot also manages its missions, their tasks and
 * recurring work; admin does everything, including tokens, templates and project settings.
 */
export const GRANTS: Readonly<Record<Role, readonly Action[]>> = {
  viewer: ['read'],
  worker: ['read', 'task.work'],
  pilot: ['read', 'task.work', 'task.manage', 'mission.manage', 'template.use', 'recurring.manage'],
  admin: Object.keys(ACTIONS) as Action[],
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function can(actor: Actor, action: Action): boolean {
  return actor.role === undefined || GRANTS[actor.role].includes(action);
}

/** The least role that grants an action, for the hint. */
function leastRoleFor(action: Action): Role {
  return ([...ROLES].reverse().find((r) => GRANTS[r].includes(action)) ?? 'admin') as Role;
}

/**
 * Refuses an action the actor's role does not grant, with FORBIDDEN. It looks at nothing but the role, so it
 * answers the same for any id and reveals nothing about the objects named in the call.
 */
export function authorize(actor: Actor, action: Action): void {
  if (can(actor, action)) return;
  const needed = leastRoleFor(action);
  throw new DomainError(
    'FORBIDDEN',
    `${actor.agent} holds a ${actor.role} token, which may not ${ACTIONS[action]}`,
    `This needs a ${needed}${needed === 'admin' ? '' : ' or admin'} token; ask an admin (sortie token create --agent ${actor.agent} --role ${needed}).`,
    { role: actor.role, action },
  );
}
