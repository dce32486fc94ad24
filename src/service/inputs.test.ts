// Date arguments: ISO-8601 or epoch ms, for years 0000–9999 only; anything else is VALIDATION_FAILED naming the field.
import { describe, expect, it } from 'vitest';
import { refusedSync } from '../../test/support/refusal.js';
import { DateInput, toIso } from './inputs.js';

describe('dates', () => {
  it('accepts ISO dates and epoch milliseconds', () => {
    expect(toIso('2026-12-01', 'dueDate')).toBe('2026-12-01T00:00:00.000Z');
    expect(toIso(Date.UTC(2026, 0, 2), 'dueDate')).toBe('2026-01-02T00:00:00.000Z');
    expect(toIso(String(Date.UTC(2026, 0, 2)), 'dueDate')).toBe('2026-01-02T00:00:00.000Z');
    expect(toIso('9999-12-31T23:59:59.999Z', 'dueDate')).toBe('9999-12-31T23:59:59.999Z');
  });

  it('refuses out-of-range dates with VALIDATION_FAILED naming the field, never a RangeError', () => {
    for (const value of [1e308, -1e308, 2 ** 53 + 1, -(2 ** 63), '99999999999999999', '+275760-09-13T00:00:00.000Z', '10000-01-01', 'x'.repeat(100_000)]) {
      const error = refusedSync('VALIDATION_FAILED', () => toIso(value, 'dueDate'));
      expect(error.details).toMatchObject({ field: 'dueDate' });
      expect(error.message.length).toBeLessThan(300);
      expect(DateInput.safeParse(value).success).toBe(false);
    }
  });
});
