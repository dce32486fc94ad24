// Evidence links: which items link where, and that nothing but http(s) ever becomes a link.
import { describe, expect, it } from 'vitest';
import { refusedSync } from '../../test/support/refusal.js';
import { assertRepoUrl, evidenceLink, safeRepoUrl } from './evidence-links.js';

const REPO = 'https://github.com/acme/web';

describe('safeRepoUrl', () => {
  it('canonicalizes http(s) repository URLs (no trailing slash, no .git, no query)', () => {
    expect(safeRepoUrl('https://github.com/acme/web.git')).toBe(REPO);
    expect(safeRepoUrl('https://github.com/acme/web/')).toBe(REPO);
    expect(safeRepoUrl(' https://github.com/acme/web?tab=readme#top ')).toBe(REPO);
    expect(safeRepoUrl('http://git.local:3000/team/app')).toBe('http://git.local:3000/team/app');
  });

  it('refuses anything that is not http(s), so it can never reach an href', () => {
    expect(safeRepoUrl('javascript:alert(1)')).toBeNull();
    expect(safeRepoUrl('data:text/html,<script>1</script>')).toBeNull();
    expect(safeRepoUrl('git@github.com:acme/web.git')).toBeNull();
    expect(safeRepoUrl('')).toBeNull();
    expect(safeRepoUrl(null)).toBeNull();
  });
});

describe('assertRepoUrl', () => {
  it('keeps an http(s) URL as given (trimmed), and unsets on null or empty', () => {
    expect(assertRepoUrl(' https://github.com/acme/web.git ')).toBe('https://github.com/acme/web.git');
    expect(assertRepoUrl('http://git.local:3000/team/app')).toBe('http://git.local:3000/team/app');
    expect(assertRepoUrl(null)).toBeNull();
    expect(assertRepoUrl(undefined)).toBeNull();
    expect(assertRepoUrl('  ')).toBeNull();
  });

  it('refuses every other scheme, credentials and oversized URLs with VALIDATION_FAILED naming url', () => {
    for (const url of [
      'javascript:alert(1)',
      'JavaScript:alert(1)',
      'data:text/html,<script>1</script>',
      'vbscript:msgbox',
      'file:///etc/passwd',
      'git@github.com:acme/web.git',
      'ftp://example.com/repo',
      'github.com/acme/web',
      'https://alice:tok3n@github.com/acme/web',
      `https://example.com/${'a'.repeat(2000)}`,
    ]) {
      const error = refusedSync('VALIDATION_FAILED', () => assertRepoUrl(url));
      expect(error.details.field, url).toBe('url');
      expect(error.message.length, url).toBeLessThan(200);
    }
  });
});

describe('evidenceLink', () => {
  it('links commits, PRs, issues and files into the repository', () => {
    expect(evidenceLink('commit', '3F2C9E1', REPO)).toBe(`${REPO}/commit/3f2c9e1`);
    expect(evidenceLink('pr', '#42', REPO)).toBe(`${REPO}/pull/42`);
    expect(evidenceLink('pr', 'acme/api#7', REPO)).toBe('https://github.com/acme/api/pull/7');
    expect(evidenceLink('issue', '#12', REPO)).toBe(`${REPO}/issues/12`);
    expect(evidenceLink('file', './docs/a b.md', REPO)).toBe(`${REPO}/blob/HEAD/docs/a%20b.md`);
  });

  it('links URL items to themselves, repository or not', () => {
    expect(evidenceLink('url', 'https://ci.example.com/run/9', null)).toBe('https://ci.example.com/run/9');
    expect(evidenceLink('pr', 'https://github.com/acme/web/pull/3', null)).toBe('https://github.com/acme/web/pull/3');
  });

  it('gives no link without a repository, for counts and ratios, or for non-http values', () => {
    expect(evidenceLink('commit', '3f2c9e1', null)).toBeNull();
    expect(evidenceLink('pr', '#42', null)).toBeNull();
    expect(evidenceLink('file', 'src/a.ts', null)).toBeNull();
    expect(evidenceLink('test_ratio', '18/18', REPO)).toBeNull();
    expect(evidenceLink('count', '7 files', REPO)).toBeNull();
    expect(evidenceLink('url', 'javascript:alert(1)', REPO)).toBeNull();
    expect(evidenceLink('commit', 'not-a-sha', REPO)).toBeNull();
  });
});
