// The web dashboard on `sortie serve`: the page and its modules from web/, the three browser libraries from
// node_modules (no build step), and the JSON API and event stream under /api.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { userInfo } from 'node:os';
import { dirname, extname, join, resolve, sep } from 'node:path';
import type { Context, Hono } from 'hono';
import type { Logger } from 'pino';
import { validationFailed } from '../core/errors.js';
import { assertAgentName } from '../core/identity.js';
import type { Actor } from '../core/model.js';
import type { Sortie } from '../service/sortie.js';
import { createDashboardApi } from './api.js';

export interface DashboardOptions {
  sortie: Sortie;
  logger: Logger;
  /** See DashboardApiOptions.localActor. */
  localActor: Actor | null;
  stalledMinutes?: number;
  /** Where the front end lives (default: the package's web/ folder). */
  webDir?: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Scripts only from this origin (no inline script, no eval, no event-handler attributes): even if a brief's
 * markdown slipped past the sanitizer, nothing in it could run. Data goes only to this origin.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The person at the keyboard of an unauthenticated loopback server: named like the CLI names its user
 * (SORTIE_AGENT, else the OS user), with admin rights — the same trust the open loopback endpoint already gives
 * any local caller, and what lets the mission page's pilot actions work without tokens.
 */
export function localOperator(env: NodeJS.ProcessEnv = process.env): Actor {
  const candidates = [env.SORTIE_AGENT, safeUserName(), 'operator'];
  for (const name of candidates) {
    if (!name) continue;
    try {
      return { agent: assertAgentName(name), role: 'admin' };
    } catch {
      // not a valid agent name (e.g. a Windows DOMAIN\\user); try the next
    }
  }
  return { agent: 'operator', role: 'admin' };
}

function safeUserName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

/** SORTIE_STALLED_MINUTES: how long a ready task may wait unclaimed before the board flags its mission. */
export function stalledMinutesFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.SORTIE_STALLED_MINUTES?.trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 43_200) {
    throw validationFailed('SORTIE_STALLED_MINUTES', `"${raw}" is not a whole number of minutes from 1 to 43200`);
  }
  return n;
}

/** The package root: the nearest folder above this module with the dashboard's web/index.html. */
export function packageRoot(from = import.meta.dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'web', 'index.html'))) return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the dashboard (web/index.html) above ${from}`);
  }
}

/** The browser bundles, resolved through each package's own entry points so a reinstall never breaks a path. */
export function vendorFiles(): Record<string, string> {
  const require = createRequire(import.meta.url);
  return {
    'dagre.js': join(dirname(require.resolve('@dagrejs/dagre')), 'dagre.esm.js'),
    'marked.js': join(dirname(require.resolve('marked')), 'marked.esm.js'),
    'purify.js': join(dirname(require.resolve('dompurify')), 'purify.es.mjs'),
  };
}

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** Serves a file from memory with an ETag; files are read once (the dashboard is a handful of small files). */
function assetServer() {
  const cache = new Map<string, Asset>();
  return (c: Context, file: string, headers: Record<string, string> = {}): Response => {
    let asset = cache.get(file);
    if (!asset) {
      const body = readFileSync(file);
      asset = { body, type: TYPES[extname(file)] ?? 'application/octet-stream', etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
      cache.set(file, asset);
    }
    const common = { ETag: asset.etag, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', ...headers };
    if (c.req.header('if-none-match') === asset.etag) return new Response(null, { status: 304, headers: common });
    return new Response(new Uint8Array(asset.body), { status: 200, headers: { 'Content-Type': asset.type, ...common } });
  };
}

/** Mounts the dashboard on the app: `/` (the page), `/app/*` (its modules), `/vendor/*` (libraries), `/api/*`. */
export function dashboardRoutes(options: DashboardOptions): (app: Hono) => void {
  const webDir = resolve(options.webDir ?? join(packageRoot(), 'web'));
  const vendor = vendorFiles();
  const serveAsset = assetServer();
  const page = { 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Frame-Options': 'DENY' };

  return (app: Hono) => {
    app.route('/api', createDashboardApi(options));
    app.get('/', (c) => serveAsset(c, join(webDir, 'index.html'), page));
    app.get('/app/*', (c) => {
      const rel = c.req.path.slice('/app/'.length);
      // Only plain relative names of known types; the resolved file must stay inside web/.
      if (!/^[a-z0-9-]+(\/[a-z0-9-]+)*\.(js|css|svg)$/.test(rel)) return c.notFound();
      const file = resolve(webDir, rel);
      if (!file.startsWith(webDir + sep) || !existsSync(file)) return c.notFound();
      return serveAsset(c, file);
    });
    app.get('/vendor/:file', (c) => {
      const file = vendor[c.req.param('file')];
      return file ? serveAsset(c, file) : c.notFound();
    });
  };
}
