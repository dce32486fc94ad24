// `sortie serve`: the HTTP server on a port, with graceful shutdown.
import { serve } from '@hono/node-server';
import { startRuntime } from '../runtime/runtime.js';
import { extraTools } from '../cli/extra.js';
import { createHttpApp } from './app.js';

export interface ServeOptions {
  db?: string;
  port: number;
  host: string;
  leaseMinutes?: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export async function serveHttp(options: ServeOptions): Promise<void> {
  if (!LOOPBACK.has(options.host)) {
    throw new Error(`refusing to bind ${options.host}: without authentication Sortie only listens on loopback (127.0.0.1). Configure tokens (fleet mode) to serve other interfaces.`);
  }
  const runtime = await startRuntime({ db: options.db, leaseMinutes: options.leaseMinutes });
  const app = createHttpApp({ runtime, extraTools: extraTools() });
  const server = serve({ fetch: app.fetch, port: options.port, hostname: options.host });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  runtime.logger.info({ url, mcp: `${url}/mcp`, db: runtime.sortie.deps.database.location }, 'sortie serve listening');
  // The one line a person reads: where to point a browser and an MCP client.
  process.stderr.write(`Sortie is running: dashboard ${url}/  ·  MCP ${url}/mcp  ·  database ${runtime.sortie.deps.database.location}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await runtime.stop();
}
