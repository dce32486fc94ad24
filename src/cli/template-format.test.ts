// Unit tests of the CLI's template drawing: the dependency tree of a template's steps.
import { describe, expect, it } from 'vitest';
import { normalizeTemplate } from '../core/template.js';
import { dependencyTree } from './template-format.js';

describe('dependencyTree', () => {
  it('draws independent roots, a fan-out and a fan-in, each edge once', () => {
    const t = normalizeTemplate({
      name: 'diamond',
      steps: [
        { key: 'a', title: 'A' },
        { key: 'b', title: 'B', dependsOn: ['a'] },
        { key: 'c', title: 'C', dependsOn: ['a'] },
        { key: 'd', title: 'D', dependsOn: ['b', 'c'] },
        { key: 'solo', title: 'Solo', dependsOn: [] },
      ],
    });
    expect(dependencyTree(t)).toEqual(['a', '├── b', '│   └── d  (after b + c)', '└── c', '    └── d  ↑ drawn above  (after b + c)', 'solo']);
  });
});
