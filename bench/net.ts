// Local server plumbing shared by the benchmarks and the test harnesses: a free port, and waiting for /health.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now (the OS picks it; another process could still take it before use). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  await new Promise((r) => server.close(r));
  return port;
}

/**
 * Polls `baseUrl`/health until it answers 200. Fails fast, with the server's stderr when it is piped, if `child`
 * exits first, and fails after `timeoutMs` otherwise — a server that never comes up is an error, not a hang.
 * On failure `child` is killed (SIGKILL) before the error is thrown: a server that was merely slow must not come up
 * later, unowned, and keep listening after the caller gave up on it. The default timeout is generous because a
 * start-up on a loaded 2-core machine can take many seconds; it only bounds a hang.
 */
export async function waitForHealth(baseUrl: string, child?: ChildProcess, timeoutMs = 60_000): Promise<void> {
  let stderr = '';
  child?.stderr?.on('data', (d) => {
    stderr += d;
  });
  const fail = async (message: string): Promise<never> => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    throw new Error(message);
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`server exited early (${child.exitCode ?? child.signalCode}): ${stderr}`);
    }
    try {
      // A server that accepts but never answers must not stall the wait past its deadline.
      const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(5_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return fail(`server at ${baseUrl} did not become healthy within ${timeoutMs} ms: ${stderr}`);
}
