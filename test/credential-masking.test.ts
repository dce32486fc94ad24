// No database credential is ever shown: a PostgreSQL URL carrying a userinfo password, a `password=` and an
// `sslpassword=` parameter is masked in the unauthenticated /health, in the start-up lines on stderr, and in the
// output of `sortie db migrate` and `sortie db copy`. Needs a PostgreSQL server (SORTIE_TEST_PG_URL) that trusts
// local connections, so the extra passwords are carried but never checked.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SORTIE_BIN } from './support/clients.js';
import { freshDatabaseUrl } from './support/dialects.js';
import { startReplica } from './support/fleet.js';
import { tempDir } from './support/sortie.js';

/** Spawning a server and CLI processes on a busy 2-core machine: a hang detector, not a speed requirement. */
const TIMEOUT_MS = 180_000;
const SECRET = 'S3cr';

/** Runs the CLI to its end and returns everything it printed. */
async function cli(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [SORTIE_BIN, ...args], { env: { ...process.env, SORTIE_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
  });
  child.stderr.on('data', (d) => {
    output += d;
  });
  const [code] = await once(child, 'exit');
  return { code, output };
}

describe.skipIf(!process.env.SORTIE_TEST_PG_URL)('database credentials are masked wherever a location is shown', () => {
  let fresh: Awaited<ReturnType<typeof freshDatabaseUrl>>;
  let secretUrl: string;

  beforeAll(async () => {
    fresh = await freshDatabaseUrl('postgres');
    const url = new URL(fresh.url);
    url.password = `${SECRET}-userinfo`;
    url.searchParams.set('password', `${SECRET}-param`);
    url.searchParams.set('sslpassword', `${SECRET}-ssl`);
    secretUrl = url.toString();
  }, TIMEOUT_MS);
  afterAll(async () => {
    await fresh?.dispose();
  }, TIMEOUT_MS);

  it(
    'db migrate and db copy print the location masked',
    async () => {
      const migrated = await cli(['--db', secretUrl, 'db', 'migrate']);
      expect(migrated.code, migrated.output).toBe(0);
      expect(migrated.output).toContain('database: postgres://postgres:***@');
      expect(migrated.output).toContain('password=***');
      expect(migrated.output).not.toContain(SECRET);
      const json = await cli(['--json', '--db', secretUrl, 'db', 'migrate']);
      expect(JSON.parse(json.output).database).toContain('sslpassword=***');
      expect(json.output).not.toContain(SECRET);

      const copied = await cli(['db', 'copy', '--from', join(tempDir(), 'empty.db'), '--to', secretUrl, '--replace']);
      expect(copied.code, copied.output).toBe(0);
      expect(copied.output).toMatch(/to {3}postgres:\/\/postgres:\*\*\*@/);
      expect(copied.output).not.toContain(SECRET);
    },
    TIMEOUT_MS,
  );

  it(
    'sortie serve masks it in /health and on stderr',
    async () => {
      const replica = await startReplica(secretUrl, { env: { SORTIE_LOG_LEVEL: 'info' } });
      try {
        const health = await (await fetch(`${replica.url}/health`)).json();
        expect(health.database.dialect).toBe('postgres');
        expect(health.database.location).toMatch(/^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:5432\/sortie_test_\w+\?password=\*\*\*&sslpassword=\*\*\*$/);
        expect(replica.stderr()).toContain('database postgres://postgres:***@');
        expect(replica.stderr()).toContain('"msg":"sortie serve listening"');
      } finally {
        await replica.stop();
      }
      expect(replica.stderr()).not.toContain(SECRET);
    },
    TIMEOUT_MS,
  );
});
