// Frozen: access tokens for authenticated HTTP (fleet mode). Never edit a released migration; add the next one.
import type { Kysely } from 'kysely';

export const name = '0003_tokens';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The secret itself is never stored: only its SHA-256, compared in constant time. `projects` is a JSON list
  // of the projects the token may touch, or null for every project.
  await db.schema
    .createTable('tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agent', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('projects', 'text')
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .addColumn('revoked_by', 'text')
    .execute();
  await db.schema.createIndex('tokens_agent').on('tokens').columns(['agent', 'id']).execute();
}
