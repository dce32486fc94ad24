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
 */
export async function waitForHealth(baseUrl: string, child?: ChildProcess, timeoutMs = 15_000): Promise<void> {
  let stderr = '';
  child?.stderr?.on('data', (d) => {
    stderr += d;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}): ${stderr}`);
    try {
      const res = await fetch(`${baseUrl}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server at ${baseUrl} did not become healthy: ${stderr}`);
}
