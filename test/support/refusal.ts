// Assertion helpers for refusals: a call that must throw a DomainError, returned so the test can inspect it.
import { DomainError, type ErrorCode } from '../../src/core/errors.js';

/** Runs fn, which must throw a DomainError (of any code); returns the error for the test to inspect. */
export function refusal(fn: () => unknown): DomainError {
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error(`expected a refusal, but the call returned ${JSON.stringify(result)}`);
}

/** Runs fn, which must throw a DomainError with the given code; returns the error. */
export function refusedSync(code: ErrorCode, fn: () => unknown): DomainError {
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    if (error.code !== code) throw new Error(`expected ${code}, got ${error.code}: ${error.message}`);
    return error;
  }
  throw new Error(`expected a ${code} refusal, but the call returned ${JSON.stringify(result)}`);
}

/** Awaits a promise that must reject with a DomainError of the given code; returns the error. */
export async function refused(code: ErrorCode, promise: Promise<unknown>): Promise<DomainError> {
  let result: unknown;
  try {
    result = await promise;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    if (error.code !== code) throw new Error(`expected ${code}, got ${error.code}: ${error.message}`);
    return error;
  }
  throw new Error(`expected a ${code} refusal, but the call returned ${JSON.stringify(result)?.slice(0, 300)}`);
}
