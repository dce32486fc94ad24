// Unit tests of the role grants: what each role may do, and the refusal that names the least role that would do.
import { describe, expect, it } from 'vitest';
import { DomainError } from './errors.js';
import type { Actor } from './model.js';
import { ACTIONS, type Action, authorize, can, GRANTS, isRole, ROLES, type Role } from './permissions.js';

const EXPECTED: Record<Role, Action[]> = {
  viewer: ['read'],
  worker: ['read', 'task.work'],
  pilot: ['read', 'task.work', 'task.manage', 'mission.manage', 'template.use', 'recurring.manage'],
  admin: Object.keys(ACTIONS) as Action[],
};

describe('role grants', () => {
  for (const role of ROLES) {
    for (const action of Object.keys(ACTIONS) as Action[]) {
      const allowed = EXPECTED[role].includes(action);
      it(`${role} ${allowed ? 'may' : 'may not'} ${action}`, () => {
        const actor: Actor = { agent: 'a', role };
        expect(can(actor, action)).toBe(allowed);
        if (allowed) expect(() => authorize(actor, action)).not.toThrow();
        else {
          let error: unknown;
          try {
            authorize(actor, action);
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(DomainError);
          expect((error as DomainError).code).toBe('FORBIDDEN');
          expect((error as DomainError).message).toContain(`holds a ${role} token`);
          expect((error as DomainError).hint).toMatch(/sortie token create --agent a --role (worker|pilot|admin)/);
        }
      });
    }
  }

  it('grants grow with the role: every right of a lesser role is a right of the greater one', () => {
    for (let i = 1; i < ROLES.length; i++) {
      const greater = ROLES[i - 1];
      const lesser = ROLES[i];
      for (const action of GRANTS[lesser]) expect(GRANTS[greater]).toContain(action);
    }
  });

  it('an actor without a role (local stdio or CLI use) may do everything', () => {
    for (const action of Object.keys(ACTIONS) as Action[]) expect(can({ agent: 'local' }, action)).toBe(true);
  });

  it('the refusal names the least role that would do', () => {
    const worker: Actor = { agent: 'wes', role: 'worker' };
    expect(() => authorize(worker, 'mission.manage')).toThrow(/holds a worker token/);
    try {
      authorize(worker, 'mission.manage');
    } catch (e) {
      expect((e as DomainError).hint).toContain('--role pilot');
    }
    try {
      authorize({ agent: 'pia', role: 'pilot' }, 'token.manage');
    } catch (e) {
      expect((e as DomainError).hint).toContain('--role admin');
    }
  });

  it('recognises role names', () => {
    expect(ROLES.every(isRole)).toBe(true);
    expect(isRole('root')).toBe(false);
  });
});
