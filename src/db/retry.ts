// Waiting between attempts of a write transaction that met a transient lock conflict (both dialects retry).

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Exponential backoff with jitter, capped; attempt counts from 0. */
export function backoffMs(attempt: number): number {
  const base = Math.min(200, 2 ** attempt);
  return base + Math.random() * base;
}
