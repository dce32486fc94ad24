// Evidence: the note parser (each kind, and claim words yielding nothing), explicit item validation, and the gates.
import { describe, expect, it } from 'vitest';
import { refusedSync } from '../../test/support/refusal.js';
import { DEFAULT_ACCEPTED_KINDS, type EvidenceKind } from './enums.js';
import {
  assertTaskEvidence,
  type EvidenceInput,
  isInsideGitDir,
  mergeEvidence,
  missionEvidenceProblems,
  normalizeDeliverables,
  normalizeEvidence,
  parseEvidence,
} from './evidence.js';

const kinds = (text: string) => parseEvidence(text).items.map((i) => `${i.kind}:${i.value}`);

describe('parseEvidence', () => {
  it('finds nothing in claim words alone', () => {
    for (const text of [
      'done',
      'Done.',
      'merged',
      'deployed',
      'all good',
      'Done! Merged and deployed, all good.',
      'LGTM, shipped it',
      'N/A',
      'tests: n/a',
      'works and/or passes',
      'fixed the client/server TCP/IP thing',
      '',
    ]) {
      expect(parseEvidence(text), text).toEqual({ items: [], rejected: [] });
    }
    expect(parseEvidence(undefined)).toEqual({ items: [], rejected: [] });
    expect(parseEvidence(null)).toEqual({ items: [], rejected: [] });
  });

  it('reads commit SHAs: bare hex mixing digits and letters, or any 7–40 hex after "commit"/"sha"', () => {
    expect(kinds('fixed in 3f2c9e1')).toEqual(['commit:3f2c9e1']);
    expect(kinds('fixed in 3F2C9E1D')).toEqual(['commit:3f2c9e1d']);
    expect(kinds('see 9fceb02d0ae598e95dc970b74767f19372d61af8')).toEqual(['commit:9fceb02d0ae598e95dc970b74767f19372d61af8']);
    expect(kinds('commit: 1234567')).toEqual(['commit:1234567']);
    expect(kinds('sha deadbeefcafe')).toEqual(['commit:deadbeefcafe']);
    // Six hex characters are too short; 41 are too long.
    expect(kinds('abc123')).toEqual([]);
    expect(kinds(`${'a1'.repeat(20)}b`)).toEqual([]);
  });

  it('does not read plain words or plain numbers as SHAs', () => {
    expect(kinds('the page was defaced')).toEqual([]);
    expect(kinds('imported 2900000 and 12345678')).toEqual([]);
    expect(kinds('facade decade accede')).toEqual([]);
  });

  it('reads pull requests: #N, owner/repo#N, "PR 17", and pull-request URLs', () => {
    expect(kinds('see #42')).toEqual(['pr:#42']);
    expect(kinds('merged acme/web#7')).toEqual(['pr:acme/web#7']);
    expect(kinds('PR 17 is in')).toEqual(['pr:#17']);
    expect(kinds('https://github.com/acme/web/pull/42')).toEqual(['pr:https://github.com/acme/web/pull/42']);
    expect(kinds('https://gitlab.com/acme/web/-/merge_requests/9.')).toEqual(['pr:https://gitlab.com/acme/web/-/merge_requests/9']);
    // HTML entities are not references.
    expect(kinds('it&#39;s')).toEqual([]);
  });

  it('reads issues: "issue #N" and issue URLs', () => {
    expect(kinds('closes issue #12')).toEqual(['issue:#12']);
    expect(kinds('https://github.com/acme/web/issues/12')).toEqual(['issue:https://github.com/acme/web/issues/12']);
  });

  it('reads other http(s) URLs as url evidence, without trailing punctuation', () => {
    expect(kinds('deployed to https://staging.example.com/docs.')).toEqual(['url:https://staging.example.com/docs']);
    expect(kinds('(see https://example.com/a?b=1)')).toEqual(['url:https://example.com/a?b=1']);
  });

  it('reads passed/total test ratios and rejects impossible ones by name', () => {
    expect(kinds('tests 18/18 passing')).toEqual(['test_ratio:18/18']);
    expect(kinds('17 / 18 green')).toEqual(['test_ratio:17/18']);
    expect(kinds('0/5 passed')).toEqual(['test_ratio:0/5']);
    for (const bad of ['20/18', '0/0', '3/0']) {
      const parsed = parseEvidence(`tests ${bad}`);
      expect(parsed.items, bad).toEqual([]);
      expect(parsed.rejected, bad).toHaveLength(1);
      expect(parsed.rejected[0]).toContain(bad);
    }
  });

  it('does not read dates or path segments as ratios', () => {
    expect(kinds('on 2026/11/25')).toEqual([]);
    expect(parseEvidence('on 2026/11/25').rejected).toEqual([]);
  });

  it('reads counts with units', () => {
    expect(kinds('added 18 tests')).toEqual(['count:18 tests']);
    expect(kinds('touched 7 files')).toEqual(['count:7 files']);
    expect(kinds('imported 2900 rows')).toEqual(['count:2900 rows']);
    expect(kinds('imported 2,900 rows')).toEqual(['count:2,900 rows']);
    expect(kinds('took 18 minutes')).toEqual([]);
  });

  it('reads file paths: with a slash and a file-like name, nested directories, or a bare name with an extension', () => {
    expect(kinds('updated docs/guide.md')).toEqual(['file:docs/guide.md']);
    expect(kinds('see src/core/evidence')).toEqual(['file:src/core/evidence']);
    expect(kinds('README.md, package.json and ./scripts/run.sh.')).toEqual(['file:README.md', 'file:package.json', 'file:./scripts/run.sh']);
    expect(kinds('in `src/app.ts`')).toEqual(['file:src/app.ts']);
  });

  it('does not read abbreviations, versions or sentence punctuation as files', () => {
    for (const text of ['e.g. this, i.e. that, etc.', 'version 1.2.3', 'pi is 3.14', 'at 10 a.m. in the U.S.', 'Done.Merged']) {
      expect(kinds(text), text).toEqual([]);
    }
  });

  it('extracts every item of a realistic note once, with source "note"', () => {
    const parsed = parseEvidence('Wrote docs/guide.md in 3f2c9e1 (PR #42), 18/18 tests green, 7 files changed. #42 again.');
    expect(parsed.items.map((i) => `${i.kind}:${i.value}`).sort()).toEqual(
      ['commit:3f2c9e1', 'count:7 files', 'file:docs/guide.md', 'pr:#42', 'test_ratio:18/18'].sort(),
    );
    expect(parsed.items.every((i) => i.source === 'note')).toBe(true);
  });
});

describe('normalizeEvidence', () => {
  const ok = (kind: EvidenceKind, value: string) => normalizeEvidence({ kind, value });
  const bad = (kind: EvidenceKind, value: string) => {
    const error = refusedSync('VALIDATION_FAILED', () => normalizeEvidence({ kind, value }, 'evidence[2]'));
    expect(error.details.field).toBe('evidence[2].value');
    expect(error.message).toContain(kind);
    return error;
  };

  it('commit: 7–40 hex, lower-cased; anything else refused', () => {
    expect(ok('commit', ' 3F2C9E1 ').value).toBe('3f2c9e1');
    expect(ok('commit', 'defaced').value).toBe('defaced'); // an explicit item is the caller's word that it is a SHA
    expect(ok('commit', 'a'.repeat(40)).value).toBe('a'.repeat(40));
    bad('commit', '3f2c9e');
    bad('commit', 'a'.repeat(41));
    bad('commit', 'not-a-sha');
    expect(bad('commit', 'done').hint).toContain('hex');
  });

  it('pr: #N, owner/repo#N or a pull-request URL', () => {
    expect(ok('pr', '#42').value).toBe('#42');
    expect(ok('pr', 'acme/web#42').value).toBe('acme/web#42');
    expect(ok('pr', 'https://github.com/acme/web/pull/42').value).toBe('https://github.com/acme/web/pull/42');
    bad('pr', '42');
    bad('pr', 'https://github.com/acme/web/issues/42');
    bad('pr', 'merged');
  });

  it('issue: #N or an issue URL', () => {
    expect(ok('issue', '#12').value).toBe('#12');
    expect(ok('issue', 'https://github.com/acme/web/issues/12').value).toBe('https://github.com/acme/web/issues/12');
    bad('issue', 'twelve');
  });

  it('url: http(s) only', () => {
    expect(ok('url', 'https://example.com/x').value).toBe('https://example.com/x');
    bad('url', 'ftp://example.com/x');
    bad('url', 'example.com');
  });

  it('test_ratio: passed ≤ total, total > 0, canonical "p/t"', () => {
    expect(ok('test_ratio', '18 / 18').value).toBe('18/18');
    expect(ok('test_ratio', '0/3').value).toBe('0/3');
    expect(bad('test_ratio', '20/18').message).toContain('more passed than total');
    expect(bad('test_ratio', '0/0').message).toContain('total of 0');
    bad('test_ratio', '18');
    bad('test_ratio', 'all');
    bad('test_ratio', '-1/3');
  });

  it('file: a path without spaces or a URL', () => {
    expect(ok('file', 'docs/guide.md').value).toBe('docs/guide.md');
    expect(ok('file', 'Makefile').value).toBe('Makefile');
    bad('file', 'my file.md');
    bad('file', 'https://example.com/a.md');
  });

  it('count: a number with a unit', () => {
    expect(ok('count', '18 tests').value).toBe('18 tests');
    expect(ok('count', '2900 rows').value).toBe('2900 rows');
    bad('count', '18');
    bad('count', 'many tests');
  });

  it('keeps deliverable and note, and marks the item explicit', () => {
    const input: EvidenceInput = { kind: 'pr', value: '#1', deliverable: 'docs', note: 'the docs PR' };
    expect(normalizeEvidence(input)).toEqual({ kind: 'pr', value: '#1', deliverable: 'docs', note: 'the docs PR', source: 'explicit' });
  });
});

describe('isInsideGitDir', () => {
  it('is true for a .git segment anywhere, in any case and with either separator', () => {
    for (const path of ['.git', '.git/config', '.git/hooks/pre-commit', 'vendor/lib/.git/HEAD', '.GIT/config', 'a\\.Git\\config', 'a//.git//x']) {
      expect(isInsideGitDir(path), path).toBe(true);
    }
  });

  it('is false for names that only look like it', () => {
    for (const path of ['.gitignore', '.github/workflows/ci.yml', 'docs/.gitkeep', 'my.git/config', 'git/config', '.git-blame-ignore-revs']) {
      expect(isInsideGitDir(path), path).toBe(false);
    }
  });
});

describe('mergeEvidence', () => {
  it('keeps explicit items first and drops duplicates of the same kind and value', () => {
    const explicit = [normalizeEvidence({ kind: 'pr', value: '#42' })];
    const merged = mergeEvidence(explicit, parseEvidence('PR #42 and 3f2c9e1').items);
    expect(merged.map((i) => `${i.source}:${i.kind}:${i.value}`)).toEqual(['explicit:pr:#42', 'note:commit:3f2c9e1']);
  });
});

describe('the task evidence gate', () => {
  const gate = (items: Array<{ kind: EvidenceKind; verification?: string }>, extra: Partial<Parameters<typeof assertTaskEvidence>[0]> = {}) =>
    assertTaskEvidence({ items, requiredKinds: [], rejected: [], target: 'done', ...extra });

  it('passes with one usable item', () => {
    expect(() => gate([{ kind: 'count' }])).not.toThrow();
    expect(() => gate([{ kind: 'commit', verification: 'verified' }])).not.toThrow();
    expect(() => gate([{ kind: 'commit', verification: 'unverified' }])).not.toThrow();
  });

  it('refuses no items, naming the target and what would count', () => {
    const error = refusedSync('EVIDENCE_REQUIRED', () => gate([]));
    expect(error.message).toContain('cannot move the task to done');
    expect(error.message).toContain('no evidence item found');
    expect(error.hint).toContain('allowNoEvidence');
    const review = refusedSync('EVIDENCE_REQUIRED', () => gate([], { target: 'review' }));
    expect(review.message).toContain('to review');
  });

  it('does not count items that failed verification', () => {
    refusedSync('EVIDENCE_REQUIRED', () => gate([{ kind: 'commit', verification: 'failed' }]));
  });

  it('requires each required kind, naming the missing ones', () => {
    const error = refusedSync('EVIDENCE_REQUIRED', () => gate([{ kind: 'pr' }], { requiredKinds: ['commit', 'test_ratio'] }));
    expect(error.details.missingKinds).toEqual(['commit', 'test_ratio']);
    expect(error.message).toContain('commit, test_ratio');
    expect(() => gate([{ kind: 'commit' }, { kind: 'test_ratio' }], { requiredKinds: ['commit', 'test_ratio'] })).not.toThrow();
    refusedSync('EVIDENCE_REQUIRED', () => gate([{ kind: 'commit', verification: 'failed' }, { kind: 'pr' }], { requiredKinds: ['commit'] }));
  });

  it('reports rejected look-alikes (such as 20/18) in the refusal', () => {
    const error = refusedSync('EVIDENCE_REQUIRED', () => gate([], { rejected: ['"20/18" is not a valid test ratio'] }));
    expect(error.message).toContain('20/18');
    expect(error.details.rejected).toEqual(['"20/18" is not a valid test ratio']);
  });

  it('lets an explicit allowNoEvidence reason through, but not a blank one', () => {
    expect(() => gate([], { allowNoEvidence: 'design discussion; nothing to commit' })).not.toThrow();
    expect(() => gate([], { requiredKinds: ['commit'], allowNoEvidence: 'reverted upstream' })).not.toThrow();
    refusedSync('EVIDENCE_REQUIRED', () => gate([], { allowNoEvidence: '   ' }));
  });
});

describe('deliverables and the mission evidence gate', () => {
  it('normalizes deliverables with default accepted kinds and refuses duplicates by field', () => {
    expect(normalizeDeliverables([{ name: 'docs' }, { name: 'site', acceptedKinds: ['url'] }])).toEqual([
      { name: 'docs', acceptedKinds: [...DEFAULT_ACCEPTED_KINDS] },
      { name: 'site', acceptedKinds: ['url'] },
    ]);
    expect(normalizeDeliverables(undefined)).toEqual([]);
    const error = refusedSync('VALIDATION_FAILED', () => normalizeDeliverables([{ name: 'a' }, { name: 'a' }]));
    expect(error.details.field).toBe('deliverables[1].name');
  });

  const item = (kind: EvidenceKind, deliverable: string | null = null, verification = 'unverified') => ({
    kind,
    value: `${kind}-v`,
    deliverable,
    verification,
  });

  it('without deliverables: needs one mission item of the default kinds', () => {
    expect(missionEvidenceProblems([], [])).toEqual(['no mission evidence of kind commit, pr, test_ratio, file']);
    expect(missionEvidenceProblems([], [item('count'), item('url')])).toHaveLength(1);
    for (const kind of DEFAULT_ACCEPTED_KINDS) expect(missionEvidenceProblems([], [item(kind)])).toEqual([]);
  });

  it('with deliverables: each needs an item of an accepted kind attached to it', () => {
    const deliverables = normalizeDeliverables([{ name: 'docs', acceptedKinds: ['pr', 'file'] }, { name: 'release' }]);
    expect(missionEvidenceProblems(deliverables, [])).toEqual([
      'deliverable "docs" has no evidence of kind pr, file',
      'deliverable "release" has no evidence of kind commit, pr, test_ratio, file',
    ]);
    // Wrong kind, or not attached to the deliverable, does not count.
    expect(missionEvidenceProblems(deliverables, [item('commit', 'docs'), item('pr'), item('commit', 'release')])).toEqual([
      'deliverable "docs" has no evidence of kind pr, file',
    ]);
    expect(missionEvidenceProblems(deliverables, [item('file', 'docs'), item('commit', 'release')])).toEqual([]);
  });

  it('any item that failed verification blocks completion, and does not satisfy a deliverable', () => {
    const deliverables = normalizeDeliverables([{ name: 'docs' }]);
    const problems = missionEvidenceProblems(deliverables, [item('commit', 'docs', 'failed'), item('pr', 'docs')]);
    expect(problems).toEqual(['evidence commit commit-v failed verification']);
    expect(missionEvidenceProblems(deliverables, [item('commit', 'docs', 'failed')])).toEqual([
      'evidence commit commit-v failed verification',
      'deliverable "docs" has no evidence of kind commit, pr, test_ratio, file',
    ]);
    expect(missionEvidenceProblems([], [item('commit', null, 'failed'), item('commit', null, 'verified')])).toHaveLength(1);
  });
});
