// Evidence: typed, checkable proof a task or mission cites — parsed from notes or passed explicitly, never "done".
import { z } from 'zod';
import { DEFAULT_ACCEPTED_KINDS, type EvidenceKind, EvidenceKind as EvidenceKindSchema } from './enums.js';
import { DomainError, echo, validationFailed } from './errors.js';
import { EvidenceRequirement, meets, type Requirement, requirementOf, requirementText, shortfall, type Tier } from './evidence-tier.js';

export const EvidenceInput = z.object({
  kind: EvidenceKindSchema.describe('commit | pr | issue | url | test_ratio | file | count'),
  value: z.string().min(1).max(2000).describe('e.g. 3f2c9e1, #42, 18/18, src/app.ts'),
  deliverable: z.string().max(200).optional().describe('Its deliverable'),
  note: z.string().max(2000).optional(),
});
export type EvidenceInput = z.infer<typeof EvidenceInput>;

/** A validated item in canonical form. */
export interface EvidenceItem {
  kind: EvidenceKind;
  value: string;
  deliverable?: string;
  note?: string;
  source: 'note' | 'explicit';
}

const COUNT_UNITS =
  'tests?|specs?|cases?|files?|rows?|lines?|records?|pages?|commits?|issues?|endpoints?|tables?|migrations?|checks?|items?|docs?|screens?|bugs?|assertions?|packages?|modules?|functions?|users?|requests?';
const COUNT_RE = new RegExp(`^(\\d[\\d,_]*)\\s+(${COUNT_UNITS})$`, 'i');
const HEX_RE = /^[0-9a-f]{7,40}$/i;
const PR_URL_RE = /^https?:\/\/\S+\/(pull|pulls|merge_requests)\/(\d+)\/?(?:[#?]\S*)?$/i;
const ISSUE_URL_RE = /^https?:\/\/\S+\/issues\/(\d+)\/?(?:[#?]\S*)?$/i;
const REF_RE = /^(?:[\w.-]+\/[\w.-]+)?#(\d+)$/;
const RATIO_RE = /^(\d+)\s*\/\s*(\d+)$/;
const FILE_RE = /^(?![a-z][a-z0-9+.-]*:\/\/)[^\s<>"'|*?]+$/i;

/**
 * Whether a file path points into a git directory (`.git` as any segment, in any case, as a case-insensitive file
 * system resolves it): git's own data — config, hooks, objects — is never a deliverable, so it never verifies.
 */
export function isInsideGitDir(path: string): boolean {
  return path.split(/[\\/]+/).some((segment) => segment.toLowerCase() === '.git');
}

/** Validates one explicit item and returns it in canonical form; refuses with VALIDATION_FAILED naming the field. */
export function normalizeEvidence(input: EvidenceInput, field = 'evidence'): EvidenceItem {
  const value = input.value.trim();
  const bad = (problem: string): never => {
    throw validationFailed(`${field}.value`, `${input.kind} evidence "${echo(value)}" ${problem}`, EXAMPLES[input.kind]);
  };
  let canonical = value;
  switch (input.kind) {
    case 'commit':
      if (!HEX_RE.test(value)) bad('is not a 7–40 character hex commit SHA');
      canonical = value.toLowerCase();
      break;
    case 'pr':
      if (!REF_RE.test(value) && !PR_URL_RE.test(value)) bad('is neither #N nor a pull-request URL');
      break;
    case 'issue':
      if (!REF_RE.test(value) && !ISSUE_URL_RE.test(value) && !isHttpUrl(value)) bad('is neither #N nor an issue URL');
      break;
    case 'url':
      if (!isHttpUrl(value)) bad('is not an http(s) URL');
      break;
    case 'test_ratio': {
      const m = RATIO_RE.exec(value);
      if (!m) bad('is not passed/total, like 18/18');
      const passed = Number(m?.[1]);
      const total = Number(m?.[2]);
      if (total <= 0) bad('has a total of 0; a ratio needs at least one test');
      if (passed > total) bad('claims more passed than total');
      canonical = `${passed}/${total}`;
      break;
    }
    case 'file':
      if (!FILE_RE.test(value) || value.length > 1000) bad('is not a file path');
      break;
    case 'count': {
      const m = COUNT_RE.exec(value);
      if (!m) bad('is not a number with a unit, like "18 tests" or "2900 rows"');
      break;
    }
  }
  return {
    kind: input.kind,
    value: canonical,
    source: 'explicit',
    ...(input.deliverable ? { deliverable: input.deliverable } : {}),
    ...(input.note ? { note: input.note } : {}),
  };
}

const EXAMPLES: Record<EvidenceKind, string> = {
  commit: 'A commit is 7–40 hex characters, e.g. {"kind":"commit","value":"3f2c9e1"}.',
  pr: 'A PR is "#42" or a pull-request URL, e.g. {"kind":"pr","value":"#42"}.',
  issue: 'An issue is "#12" or an issue URL.',
  url: 'A url is http(s)://…',
  test_ratio: 'A test ratio is passed/total with passed ≤ total and total > 0, e.g. "18/18".',
  file: 'A file is a path without spaces, e.g. "docs/guide.md".',
  count: 'A count is a number and a unit, e.g. "18 tests", "7 files", "2900 rows".',
};

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

export interface ParsedNote {
  items: EvidenceItem[];
  /** Things that look like evidence but are malformed (e.g. "20/18"); reported in refusals. */
  rejected: string[];
}

const FILE_EXT = /\.[A-Za-z][A-Za-z0-9]{0,9}$/;
/** A bare name's extension is lower-case, after a stem of 2+ characters: "README.md", not "U.S" or "a.m". */
const BARE_FILE = /^[\w@+-][\w.@+-]+\.[a-z][a-z0-9]{0,9}$/;

/**
 * Extracts evidence items from free text. Claim words ("done", "merged", "deployed") yield nothing: only
 * checkable tokens count — URLs, #N references, hex SHAs, passed/total ratios, counts with units, file paths.
 */
export function parseEvidence(text: string | null | undefined): ParsedNote {
  const items: EvidenceItem[] = [];
  const rejected: string[] = [];
  if (!text) return { items, rejected };
  const seen = new Set<string>();
  const add = (kind: EvidenceKind, value: string) => {
    const key = `${kind}:${value}`;
    if (seen.has(key)) return;
    seen.add(key);
    items.push({ kind, value, source: 'note' });
  };
  let rest = text;

  // URLs first, so their path segments are not read as files or SHAs.
  rest = rest.replace(/https?:\/\/[^\s<>()"'`]+[^\s<>()"'`.,;:!?]/gi, (url) => {
    if (PR_URL_RE.test(url)) add('pr', url);
    else if (ISSUE_URL_RE.test(url)) add('issue', url);
    else add('url', url);
    return ' ';
  });
  // "issue #12" / "issue 12" before bare #N, which means a PR.
  rest = rest.replace(/\bissues?\s+((?:[\w.-]+\/[\w.-]+)?#\d+)\b/gi, (_m, ref: string) => {
    add('issue', ref);
    return ' ';
  });
  rest = rest.replace(/\b(?:PR|pull request|MR)\s*(\d+)\b/gi, (_m, n: string) => {
    add('pr', `#${n}`);
    return ' ';
  });
  rest = rest.replace(/(?<![\w&])((?:[\w.-]+\/[\w.-]+)?#\d+)\b/g, (_m, ref: string) => {
    add('pr', ref);
    return ' ';
  });
  // passed/total, not part of a date or path (2026/11/25, a/b/c).
  rest = rest.replace(/(?<![\w/.])(\d+)\s*\/\s*(\d+)(?![\w/.])/g, (m, p: string, t: string) => {
    const passed = Number(p);
    const total = Number(t);
    if (total > 0 && passed <= total) add('test_ratio', `${passed}/${total}`);
    else rejected.push(`"${m}" is not a valid test ratio (passed must be ≤ total, total > 0)`);
    return ' ';
  });
  // Commit SHAs: after "commit"/"sha" any 7–40 hex; bare tokens must mix digits and letters to avoid
  // reading words ("defaced") or plain numbers ("2900000") as commits.
  rest = rest.replace(/\b(?:commit|sha|rev)\s*:?\s*([0-9a-f]{7,40})\b/gi, (_m, sha: string) => {
    add('commit', sha.toLowerCase());
    return ' ';
  });
  rest = rest.replace(/(?<![\w/.-])[0-9a-f]{7,40}(?![\w/.-])/gi, (tok) => {
    if (/[0-9]/.test(tok) && /[a-f]/i.test(tok)) {
      add('commit', tok.toLowerCase());
      return ' ';
    }
    return tok;
  });
  rest = rest.replace(new RegExp(`(?<![\\w.])(\\d[\\d,_]*)\\s+(${COUNT_UNITS})\\b`, 'gi'), (m) => {
    add('count', m.replace(/\s+/g, ' '));
    return ' ';
  });
  // File paths: a token with a slash whose last segment has an extension, or with two or more slashes, or
  // starting ./ or ../; or a bare name with an extension. A single slash between words ("N/A", "and/or",
  // "TCP/IP") is prose, not a path: reading it as evidence would let "tests: N/A" pass the gate.
  for (const raw of rest.split(/[\s,;()[\]{}"'`]+/)) {
    const tok = raw.replace(/[.:!?]+$/, '');
    if (!tok || tok.length > 300 || /^[\d.]+$/.test(tok) || !/^[\w./@+-]+$/.test(tok) || !/[A-Za-z]/.test(tok)) continue;
    const isPath =
      tok.includes('/') &&
      !tok.startsWith('//') &&
      (FILE_EXT.test(tok.slice(tok.lastIndexOf('/') + 1)) || (tok.match(/\//g)?.length ?? 0) >= 2 || /^\.\.?\//.test(tok));
    if (isPath || (!tok.includes('/') && BARE_FILE.test(tok))) add('file', tok);
  }
  return { items, rejected };
}

/** Combines parsed and explicit items, explicit first, dropping duplicates. */
/** What names an evidence item: its kind, normalized value and deliverable. */
export interface EvidenceIdentity {
  kind: string;
  value: string;
  deliverable?: string | null;
}

/**
 * Whether two items cite the same thing for the same deliverable: same kind and normalized value (a commit SHA and
 * a longer one it is a prefix of name one commit).
 */
export function sameEvidence(a: EvidenceIdentity, b: EvidenceIdentity): boolean {
  if (a.kind !== b.kind || (a.deliverable ?? null) !== (b.deliverable ?? null)) return false;
  if (a.kind === 'commit') return a.value.startsWith(b.value) || b.value.startsWith(a.value);
  return a.value === b.value;
}

/** The items not already in `existing` nor earlier in the list: the same item given twice is stored once. */
export function newEvidence<T extends EvidenceIdentity>(items: readonly T[], existing: readonly EvidenceIdentity[]): T[] {
  const out: T[] = [];
  for (const item of items) {
    if (existing.some((e) => sameEvidence(e, item)) || out.some((e) => sameEvidence(e, item))) continue;
    out.push(item);
  }
  return out;
}

export function mergeEvidence(explicit: readonly EvidenceItem[], parsed: readonly EvidenceItem[]): EvidenceItem[] {
  // An explicit item wins over the same item parsed from the note (it may name a deliverable or carry a note).
  return newEvidence([...explicit, ...parsed], []);
}

/** Why an item that failed verification does not count, as the refusal says it. */
export function failedEvidenceReason(item: { kind: string; value?: string; verificationDetail?: string | null; tierWhy?: string | null }): string {
  // Failed on GitHub (checks failed): tierWhy says which.
  if (item.tierWhy) return `${item.kind} ${item.value ?? ''} failed: ${item.tierWhy}`;
  if (item.kind === 'commit') return `commit ${item.value} is not in the linked repository`;
  return `${item.kind} ${item.value ?? ''} failed verification${item.verificationDetail ? `: ${item.verificationDetail}` : ''}`;
}

/**
 * The task completion gate: at least one item (not failed), each requirement met by a usable item of its kind and
 * at least its tier (`pr@ci`) — or an explicit allowNoEvidence reason. Failed items are named with why, not as
 * missing; an item of the right kind below the tier is named with its tier and why it is not more.
 */
export function assertTaskEvidence(opts: {
  items: ReadonlyArray<{ kind: EvidenceKind; value?: string; verification?: string; verificationDetail?: string | null; tier?: Tier; tierWhy?: string | null }>;
  requiredKinds: readonly Requirement[];
  allowNoEvidence?: string | null;
  rejected: readonly string[];
  target: 'done' | 'review';
}): void {
  if (opts.allowNoEvidence?.trim()) return;
  const usable = opts.items.filter((i) => i.verification !== 'failed');
  const unmet = opts.requiredKinds.map(requirementOf).filter((r) => !usable.some((i) => meets(i, r)));
  const missingKinds = unmet.map(requirementText);
  if (usable.length > 0 && missingKinds.length === 0) return;
  const failed = opts.items.filter((i) => i.verification === 'failed').map(failedEvidenceReason);
  const below = unmet.map((r) => shortfall(r, usable)).filter((s): s is string => s !== null);
  const lack = usable.length > 0 ? [`missing required evidence: ${missingKinds.join(', ')}`, ...below] : failed.length ? [] : ['no evidence item found'];
  const why = [...failed, ...lack, ...opts.rejected].join('; ');
  throw new DomainError(
    'EVIDENCE_REQUIRED',
    `cannot move the task to ${opts.target}: ${why}`,
    `Cite checkable evidence in completionNote or the evidence list${
      opts.requiredKinds.length ? ` (this task requires: ${opts.requiredKinds.join(', ')})` : ''
    } — a commit SHA, PR (#N), test ratio (18/18), file path or count ("7 files"). Claim words like "done" are not evidence.${
      opts.requiredKinds.some((k) => k.endsWith('@ci')) ? ' An @ci item counts once GitHub reports it merged with green checks on its head (see tierWhy).' : ''
    } Only if none can exist, pass allowNoEvidence with the reason.`,
    { missingKinds, rejected: opts.rejected },
  );
}

export interface Deliverable {
  name: string;
  description?: string;
  /** Kinds, or kind@tier requirements (`pr@ci`): an item meeting any one of them proves the deliverable. */
  acceptedKinds: Requirement[];
}

export const DeliverableInput = z.object({
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  acceptedKinds: z.array(EvidenceRequirement).min(1).max(20).optional().describe('Default commit, pr, test_ratio, file'),
});
export type DeliverableInput = z.infer<typeof DeliverableInput>;

export function normalizeDeliverables(input: readonly DeliverableInput[] | undefined): Deliverable[] {
  const names = new Set<string>();
  return (input ?? []).map((d, i) => {
    if (names.has(d.name)) throw validationFailed(`deliverables[${i}].name`, `duplicate deliverable "${d.name}"`);
    names.add(d.name);
    return {
      name: d.name,
      ...(d.description ? { description: d.description } : {}),
      acceptedKinds: d.acceptedKinds ?? [...DEFAULT_ACCEPTED_KINDS],
    };
  });
}

/**
 * The mission evidence gate: every deliverable has a non-failed item meeting one of its accepted kinds (and tier,
 * `pr@ci`); with no deliverables, one mission-level item of the default kinds; and no item failed. Returns what
 * is missing — for an item below the tier, which item and what it lacks.
 */
export function missionEvidenceProblems(
  deliverables: readonly Deliverable[],
  items: ReadonlyArray<{
    kind: EvidenceKind;
    value: string;
    deliverable?: string | null;
    verification: string;
    verificationDetail?: string | null;
    tier?: Tier;
    tierWhy?: string | null;
  }>,
): string[] {
  const problems: string[] = [];
  for (const failed of items.filter((i) => i.verification === 'failed')) {
    problems.push(
      failed.tierWhy ? `evidence ${failed.kind} ${failed.value} failed: ${failed.tierWhy}` : `evidence ${failed.kind} ${failed.value} failed verification`,
    );
  }
  const usable = items.filter((i) => i.verification !== 'failed');
  if (deliverables.length === 0) {
    if (!usable.some((i) => DEFAULT_ACCEPTED_KINDS.includes(i.kind))) {
      problems.push(`no mission evidence of kind ${DEFAULT_ACCEPTED_KINDS.join(', ')}`);
    }
  }
  for (const d of deliverables) {
    const reqs = d.acceptedKinds.map(requirementOf);
    const own = usable.filter((i) => i.deliverable === d.name);
    if (own.some((i) => reqs.some((r) => meets(i, r)))) continue;
    const below = reqs.map((r) => [r, shortfall(r, own)] as const).find(([, s]) => s !== null);
    problems.push(
      below
        ? `deliverable "${d.name}" needs ${requirementText(below[0])}: ${below[1]}`
        : `deliverable "${d.name}" has no evidence of kind ${d.acceptedKinds.join(', ')}`,
    );
  }
  return problems;
}
