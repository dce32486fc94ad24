// The in-progress rule: the default limit, the project setting read as a limit, and who may start another task.
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_IN_PROGRESS, inProgressLimit, mayStartAnother } from './in-progress-limit.js';

describe('the in-progress limit', () => {
  it('is 1 when a project sets nothing, none for 0, N for N', () => {
    expect(DEFAULT_MAX_IN_PROGRESS).toBe(1);
    expect(inProgressLimit(null)).toBe(1);
    expect(inProgressLimit(undefined)).toBe(1);
    expect(inProgressLimit(0)).toBeNull();
    expect(inProgressLimit(3)).toBe(3);
  });

  it('lets an instance start another only below the limit, always when there is none', () => {
    expect(mayStartAnother(0, 1)).toBe(true);
    expect(mayStartAnother(1, 1)).toBe(false);
    expect(mayStartAnother(2, 3)).toBe(true);
    expect(mayStartAnother(3, 3)).toBe(false);
    expect(mayStartAnother(4, 3)).toBe(false);
    expect(mayStartAnother(50, null)).toBe(true);
  });
});
