// `sortie serve`: the HTTP server on a port, with graceful shutdown. It refuses to listen beyond loopback unless
// authentication is configured, because an open server lets anyone who reaches it act as any agent.
import { serve } from '@hono/node-server';
import { DomainError } from '../core/errors.js';
import { McpSessions } from '../mcp/http.js';
import { whenLauncherExits } from '../runtime/launcher.js';
import { type BackgroundTask, startRuntime } from '../runtime/runtime.js';
import { createHttpApp } from './app.js';
import { AuthGate, authModeFromEnv, isLoopback } from './auth.js';
import { dashboardRoutes, localOperator, stalledMinutesFromEnv } from './dashboard.js';

export interface ServeOptions {
  db?: string;
  port: number;
  host: string;
  leaseMinutes?: number;
  /** Session mode: MCP sessions with GET event streams (resource subscriptions over HTTP). */
  sessions?: boolean;
  /** The server's background work (lease sweep, recurring scheduler), passed to the runtime. */
  background: readonly BackgroundTask[];
}

/** A port that cannot be bound, as a refusal that says which and what to pass; anything else as it was thrown. */
function listenRefused(error: unknown, options: ServeOptions): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === 'EADDRINUSE') {
    return new DomainError(
      'CONFLICT',
      `cannot listen on ${options.host}:${options.port}: the port is in use`,
      `port ${options.port} is in use; pass --port (or set SORTIE_PORT) to use another, or stop the server holding it.`,
      {
        port: options.port,
      },
    );
  }
  if (code === 'EACCES' || code === 'EADDRNOTAVAIL') {
    return new DomainError(
      'VALIDATION_FAILED',
      `cannot listen on ${options.host}:${options.port} (${code})`,
      'Pass another --port (above 1023 without privileges) or --host (an address of this machine).',
      {
        port: options.port,
      },
    );
  }
  return error;
}

export async function serveHttp(options: ServeOptions): Promise<void> {
  const mode = authModeFromEnv();
  const runtime = await startRuntime({ db: options.db, leaseMinutes: options.leaseMinutes, background: options.background });
  const auth = new AuthGate({ sortie: runtime.sortie, logger: runtime.logger, mode });
  if (!isLoopback(options.host) && !(await auth.configured())) {
    await runtime.stop();
    throw new DomainError(
      'FORBIDDEN',
      `refusing to listen on ${options.host}: no authentication is configured, so anyone who can reach this address could act as any agent`,
      'Create a token first (sortie token create --agent NAME --role admin) or set SORTIE_AUTH=required, then start again; ' +
        'or listen on 127.0.0.1 only. See docs/fleet.md.',
    );
  }
  const sessions = options.sessions ? new McpSessions({ sortie: runtime.sortie, logger: runtime.logger }) : undefined;
  const dashboard = dashboardRoutes({ sortie: runtime.sortie, logger: runtime.logger, localActor: localOperator(), stalledMinutes: stalledMinutesFromEnv() });
  const app = createHttpApp({ runtime, auth, sessions, mount: [dashboard] });
  const server = serve({ fetch: app.fetch, port: options.port, hostname: options.host });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  }).catch(async (error: unknown) => {
    await runtime.stop();
    throw listenRefused(error, options);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  const authLabel = (await auth.configured()) ? 'bearer tokens required' : 'open (loopback only; callers name themselves)';
  runtime.logger.info(
    { url, mcp: `${url}/mcp`, db: runtime.sortie.deps.database.location, auth: authLabel, mode: sessions ? 'sessions' : 'stateless' },
    'sortie serve listening',
  );
  // The one line a person reads: where to point a browser and an MCP client.
  process.stderr.write(
    `Sortie is running: dashboard ${url}/  ·  MCP ${url}/mcp (${sessions ? 'sessions' : 'stateless'})  ·  auth ${authLabel}  ·  database ${runtime.sortie.deps.database.location}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // Under `npx sortie serve` a signal to npm may never reach this process: stop with the launcher.
    whenLauncherExits(() => {
      runtime.logger.info('the npm process that started sortie serve exited: stopping');
      stop();
    });
  });
  // Event streams never end by themselves: close the sessions, stop accepting, give in-flight requests a moment.
  await sessions?.close();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const httpServer = server as unknown as { closeIdleConnections?: () => void; closeAllConnections?: () => void };
  httpServer.closeIdleConnections?.();
  const force = setTimeout(() => httpServer.closeAllConnections?.(), 5000);
  force.unref();
  await closed;
  clearTimeout(force);
  await runtime.stop();
}
