// Evidence tiers — asserted < verified < ci — and the `kind@tier` requirements that name a minimum one. Pure: the
// CI verdict of an item is worked out from GitHub's facts by service/ci-evidence.ts, at the time it is asked.
import { z } from 'zod';
import { EVIDENCE_KINDS, type EvidenceKind, type Verification } from './enums.js';

export const TIERS = ['asserted', 'verified', 'ci'] as const;
/** asserted: as written; verified: checked against the linked local git repository; ci: confirmed by GitHub events. */
export type Tier = (typeof TIERS)[number];

/** A requirement as stored and given: a kind, or `kind@tier` (e.g. `pr@ci`) for at least that tier. */
export type Requirement = string;

export interface ParsedRequirement {
  kind: EvidenceKind;
  /** The minimum tier; null accepts any. */
  tier: Tier | null;
}

const REQUIREMENT_RE = new RegExp(`^(${EVIDENCE_KINDS.join('|')})(?:@(${TIERS.join('|')}))?$`);

export const REQUIREMENT_HINT = `A requirement is a kind or kind@tier, e.g. "pr@ci", "commit@verified", "test_ratio" — kinds: ${EVIDENCE_KINDS.join(', ')}; tiers (lowest first): ${TIERS.join(', ')}.`;

export function parseRequirement(text: string): ParsedRequirement | null {
  const m = REQUIREMENT_RE.exec(text);
  return m ? { kind: m[1] as EvidenceKind, tier: (m[2] as Tier | undefined) ?? null } : null;
}

/** Parses a stored or validated requirement; a malformed one is a defect (validation refuses it on the way in). */
export function requirementOf(text: string): ParsedRequirement {
  return parseRequirement(text) ?? { kind: text as EvidenceKind, tier: null };
}

/**
 * One requirement argument. A malformed one is refused with VALIDATION_FAILED naming the field; the issue carries
 * the hint (kinds and tiers), which schemaRefusal passes on.
 */
export const EvidenceRequirement = z
  .string()
  .superRefine((value, ctx) => {
    if (!REQUIREMENT_RE.test(value))
      ctx.addIssue({ code: 'custom', message: `"${value.slice(0, 60)}" is not a kind or kind@tier`, params: { hint: REQUIREMENT_HINT } });
  })
  // Advertised without @asserted: a bare kind is that floor already (the server accepts it all the same).
  .describe(`${EVIDENCE_KINDS.join('|')}[@verified|@ci]`);

export function tierRank(tier: Tier): number {
  return TIERS.indexOf(tier);
}

/** The tier an item has without GitHub: verified when the local repository confirmed it. */
export function baseTier(verification: Verification | string): Tier {
  return verification === 'verified' ? 'verified' : 'asserted';
}

/** What an item is judged to be: its tier, and why it is not more (or why it failed). */
export interface TieredItem {
  kind: EvidenceKind | string;
  value?: string;
  verification?: Verification | string;
  verificationDetail?: string | null;
  tier?: Tier;
  tierWhy?: string | null;
}

export function tierOfItem(item: TieredItem): Tier {
  return item.tier ?? baseTier(item.verification ?? 'unverified');
}

/** Whether an item meets a requirement: its kind, and at least the tier asked for. */
export function meets(item: TieredItem, req: ParsedRequirement): boolean {
  return item.kind === req.kind && (req.tier === null || tierRank(tierOfItem(item)) >= tierRank(req.tier));
}

export function requirementText(req: ParsedRequirement): string {
  return req.tier ? `${req.kind}@${req.tier}` : req.kind;
}

/**
 * Why the usable items do not meet a requirement: each item of the right kind, with its tier and why it is not
 * more — "pr #42 is verified, not ci — acme/app#42 is open: …" — or null when none is of that kind.
 */
export function shortfall(req: ParsedRequirement, usable: readonly TieredItem[]): string | null {
  if (!req.tier) return null;
  const near = usable.filter((i) => i.kind === req.kind);
  if (near.length === 0) return null;
  return near
    .slice(0, 3)
    .map((i) => `${i.kind} ${i.value ?? ''} is ${tierOfItem(i)}, not ${req.tier}${i.tierWhy ? ` — ${i.tierWhy}` : ''}`)
    .join('; ');
}
