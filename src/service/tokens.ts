// Access tokens for fleet mode: create (the secret is shown once), list, revoke, and authenticate a bearer.
// A token is `sortie_<id>_<secret>`: the public id finds the row, the 256-bit secret is checked against its
// stored SHA-256 in constant time. A fast hash is enough because the secret is random, not a password: there is
// nothing to brute-force offline that 2^256 guesses would not also cover.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { type DomainError, notFound } from '../core/errors.js';
import { assertAgentName } from '../core/identity.js';
import type { Actor } from '../core/model.js';
import { authorize, ROLES, type Role } from '../core/permissions.js';
import { parseStringList } from '../db/rows.js';
import type { TokensTable } from '../db/schema.js';
import { activeTokenIds, anyToken, getTokenRow, insertToken, listTokenRows, touchToken, updateTokenRow } from '../db/tokens-repo.js';
import { assertProjectVisible } from './access.js';
import { inWrite, type ServiceDeps } from './context.js';
import { parseInput } from './inputs.js';

const TOKEN_RE = /^sortie_([0-9A-HJKMNP-TV-Z]{26})_([A-Za-z0-9_-]{43})$/;
/** last_used_at is stamped at most once a minute per token, so a busy agent does not write on every request. */
const TOUCH_GAP_MS = 60_000;
/** Compared against when the id is unknown, so a miss costs the same hash and compare as a hit. */
const DUMMY_HASH = sha256Hex('sortie-no-such-token');

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export const CreateTokenInput = z.object({
  agent: z.string().describe('The agent the token acts as; it cannot act as anyone else'),
  role: z.enum(ROLES).default('worker').describe('admin | pilot | worker | viewer (default worker)'),
  projects: z
    .array(z.string().trim().min(1).max(100))
    .min(1)
    .max(100)
    .optional()
    .describe('Projects it may see and touch; omit for every project (a project-scoped admin can only mint tokens inside its own scope)'),
  note: z.string().max(500).optional().describe('What it is for, e.g. "alice on build-box-3"'),
});
export type CreateTokenInput = z.input<typeof CreateTokenInput>;

export interface TokenInfo {
  tokenId: string;
  agent: string;
  role: Role;
  /** null: every project. */
  projects: string[] | null;
  note: string | null;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
}

function toInfo(row: TokensTable): TokenInfo {
  return {
    tokenId: row.id,
    agent: row.agent,
    role: row.role as Role,
    projects: row.projects === null ? null : parseStringList(row.projects, 'tokens.projects'),
    note: row.note,
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
  };
}

/** A scoped manager sees only tokens whose whole scope lies inside its own (never an unscoped token). */
function withinScope(actor: Actor, projects: string[] | null): boolean {
  if (actor.projects === undefined) return true;
  return projects?.every((p) => actor.projects?.includes(p)) ?? false;
}

function tokenNotFound(ref: string): DomainError {
  return notFound('token', ref, 'Check the token id (sortie token list shows them).');
}

/** Creates a token and returns its secret: the only time it is ever shown. */
export async function createToken(deps: ServiceDeps, actor: Actor, raw: CreateTokenInput): Promise<{ token: string; info: TokenInfo }> {
  authorize(actor, 'token.manage');
  const input = parseInput(CreateTokenInput, raw);
  const agent = assertAgentName(input.agent, 'agent');
  const named = input.projects ? [...new Set(input.projects)] : undefined;
  for (const project of named ?? []) assertProjectVisible(actor, project);
  // A scoped admin's tokens inherit its scope unless narrowed; it can never mint an unscoped one.
  const projects = named ?? (actor.projects ? [...actor.projects] : null);
  const secret = randomBytes(32).toString('base64url');
  return inWrite(deps, actor, async (work) => {
    const row: TokensTable = {
      id: deps.ids(),
      agent,
      role: input.role,
      projects: projects === null ? null : JSON.stringify(projects),
      secret_hash: sha256Hex(secret),
      note: input.note ?? null,
      created_by: actor.agent,
      created_at: work.now,
      last_used_at: null,
      revoked_at: null,
      revoked_by: null,
    };
    await insertToken(work.tx, row);
    // Credentials belong to no single project: the event is filed under "*", like template changes. Never the secret.
    work.emit('token.created', { project: '*' }, { tokenId: row.id, agent, role: row.role, projects });
    return { token: `sortie_${row.id}_${secret}`, info: toInfo(row) };
  });
}

export const ListTokensInput = z.object({ includeRevoked: z.boolean().optional().describe('Include revoked tokens') });
export type ListTokensInput = z.input<typeof ListTokensInput>;

export async function listTokens(deps: ServiceDeps, actor: Actor, raw: ListTokensInput): Promise<TokenInfo[]> {
  authorize(actor, 'token.manage');
  const options = parseInput(ListTokensInput, raw);
  const rows = await listTokenRows(deps.database.kysely, options.includeRevoked ?? false);
  return rows.map(toInfo).filter((t) => withinScope(actor, t.projects));
}

/** Revokes a token at once: the next request that presents it gets 401. Revoking twice is a no-op. */
export const RevokeTokenInput = z.object({ tokenId: z.string().describe('Token id, as the token list shows it') });
export type RevokeTokenInput = z.input<typeof RevokeTokenInput>;

export async function revokeToken(deps: ServiceDeps, actor: Actor, raw: RevokeTokenInput): Promise<TokenInfo> {
  authorize(actor, 'token.manage');
  const ref = parseInput(RevokeTokenInput, raw).tokenId.trim();
  return inWrite(deps, actor, async (work) => {
    const row = await getTokenRow(work.tx, ref.toUpperCase());
    if (!row || !withinScope(actor, toInfo(row).projects)) throw tokenNotFound(ref);
    if (row.revoked_at) return toInfo(row);
    const patch = { revoked_at: work.now, revoked_by: actor.agent };
    await updateTokenRow(work.tx, row.id, patch);
    work.emit('token.revoked', { project: '*' }, { tokenId: row.id, agent: row.agent });
    return toInfo({ ...row, ...patch });
  });
}

export interface Authenticated {
  actor: Actor;
  tokenId: string;
}

/**
 * Resolves a presented bearer secret to the actor it fixes, or null (malformed, unknown, revoked or wrong).
 * Every failure looks the same to the caller. Stamping last use never fails the request.
 */
export async function authenticate(deps: ServiceDeps, presented: string): Promise<Authenticated | null> {
  const match = TOKEN_RE.exec(presented.trim());
  if (!match) return null;
  const [, id, secret] = match;
  const row = await getTokenRow(deps.database.kysely, id);
  const expected = Buffer.from(row?.secret_hash ?? DUMMY_HASH, 'hex');
  const actual = Buffer.from(sha256Hex(secret), 'hex');
  const equal = expected.length === actual.length && timingSafeEqual(expected, actual);
  if (!row || !equal || row.revoked_at !== null) return null;
  const nowMs = deps.clock.now();
  if (row.last_used_at === null || Date.parse(row.last_used_at) < nowMs - TOUCH_GAP_MS) {
    await deps.database
      .write((tx) => touchToken(tx, row.id, new Date(nowMs).toISOString(), new Date(nowMs - TOUCH_GAP_MS).toISOString()))
      .catch((error) => deps.logger.warn({ err: error, tokenId: row.id }, 'could not record token use'));
  }
  const info = toInfo(row);
  return { actor: { agent: info.agent, role: info.role, ...(info.projects ? { projects: info.projects } : {}) }, tokenId: row.id };
}

/** True once any token exists (revoked ones too): from then on every HTTP replica requires one. */
export function tokensExist(deps: ServiceDeps): Promise<boolean> {
  return anyToken(deps.database.kysely);
}

/**
 * Which of `tokenIds` are still valid (exist, not revoked). Long-lived connections (event streams, MCP sessions)
 * ask this periodically, because a revocation made on another replica or by the CLI reaches no process directly.
 */
export async function activeTokens(deps: ServiceDeps, tokenIds: readonly string[]): Promise<Set<string>> {
  return new Set(await activeTokenIds(deps.database.kysely, tokenIds));
}

/**
 * The use cases of this module the facade exposes (see sortie.ts). authenticate, tokensExist and activeTokens take
 * no actor (they find one) and are wired apart.
 */
export const USE_CASES = { createToken, listTokens, revokeToken };
