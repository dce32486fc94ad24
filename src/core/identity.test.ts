// Identity: the connection names the caller; VantagePeers-style name arguments may agree with it, never override it.
import { describe, expect, it } from 'vitest';
import { refusedSync } from '../../test/support/refusal.js';
import { assertAgentName, resolveActor } from './identity.js';

describe('resolveActor with a connection identity', () => {
  const alice = { agent: 'alice', instance: 'alice-laptop' };

  it('returns the connection when no name is claimed, or the claims agree', () => {
    expect(resolveActor(alice, [])).toBe(alice);
    expect(resolveActor(alice, [undefined, null, ''])).toBe(alice);
    expect(resolveActor(alice, ['alice'])).toBe(alice);
    expect(resolveActor(alice, ['alice', 'alice-laptop'])).toBe(alice);
  });

  it('refuses a contradicting createdBy or callerOrchestrator with FORBIDDEN', () => {
    for (const claimed of [['mallory'], ['alice', 'mallory'], [undefined, 'bob']]) {
      const error = refusedSync('FORBIDDEN', () => resolveActor(alice, claimed));
      expect(error.message).toContain('"alice"');
      expect(error.details).toMatchObject({ connectionAgent: 'alice' });
      expect(error.hint).toContain('alice');
    }
  });
});

describe('resolveActor without a connection identity', () => {
  it('takes the caller from the argument', () => {
    expect(resolveActor(undefined, ['bob'])).toEqual({ agent: 'bob' });
    expect(resolveActor(undefined, [undefined, 'bob'])).toEqual({ agent: 'bob' });
    expect(resolveActor(undefined, ['bob', 'bob'])).toEqual({ agent: 'bob' });
  });

  it("refuses a call with no identity at all, naming callerOrchestrator and hinting in the transport's terms", () => {
    const error = refusedSync('VALIDATION_FAILED', () => resolveActor(undefined, [undefined, '']));
    expect(error.details.field).toBe('callerOrchestrator');
    expect(error.hint).toContain('callerOrchestrator');
    const worded = refusedSync('VALIDATION_FAILED', () => resolveActor(undefined, [], 'Send the X-Sortie-Agent header.'));
    expect(worded.hint).toBe('Send the X-Sortie-Agent header.');
  });

  it('refuses createdBy and callerOrchestrator that disagree', () => {
    refusedSync('VALIDATION_FAILED', () => resolveActor(undefined, ['bob', 'carol']));
  });

  it('refuses an invalid agent name', () => {
    const error = refusedSync('VALIDATION_FAILED', () => resolveActor(undefined, ['bob smith']));
    expect(error.details.field).toBe('callerOrchestrator');
  });
});

describe('assertAgentName', () => {
  it('accepts names of letters, digits, . _ @ - up to 100 characters', () => {
    for (const n of ['alice', 'alice-laptop', 'a.b_c@d', 'A1', 'x'.repeat(100)]) expect(assertAgentName(n)).toBe(n);
  });
  it('refuses others, naming the field', () => {
    for (const n of ['', ' alice', 'al ice', '-alice', 'x'.repeat(101), 'a/b']) {
      expect(refusedSync('VALIDATION_FAILED', () => assertAgentName(n, 'pilot')).details.field).toBe('pilot');
    }
  });
});
