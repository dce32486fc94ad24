// The dependency graph: cycles are found and named, acyclic graphs pass, and deep chains do not overflow.
import { describe, expect, it } from 'vitest';
import { refusedSync } from '../../test/support/refusal.js';
import { assertAcyclic, criticalPath, type DependencyEdges, findCycle } from './dependency-graph.js';

const graph = (edges: Record<string, string[]>): DependencyEdges => new Map(Object.entries(edges));

/** A cycle path is closed (first = last) and each step is an edge of the graph. */
function expectCycleIn(edges: DependencyEdges, cycle: string[] | null): void {
  expect(cycle).not.toBeNull();
  const path = cycle as string[];
  expect(path.length).toBeGreaterThanOrEqual(2);
  expect(path[0]).toBe(path[path.length - 1]);
  const broken = path.slice(0, -1).filter((node, i) => !edges.get(node)?.includes(path[i + 1]));
  expect(broken).toEqual([]);
}

describe('findCycle', () => {
  it('returns null for an acyclic graph, including diamonds and shared dependencies', () => {
    expect(findCycle(graph({}))).toBeNull();
    expect(findCycle(graph({ a: [] }))).toBeNull();
    expect(findCycle(graph({ a: ['b'], b: ['c'], c: [] }))).toBeNull();
    expect(findCycle(graph({ d: ['b', 'c'], b: ['a'], c: ['a'], a: [] }))).toBeNull();
    // Edges to nodes with no entry of their own are leaves.
    expect(findCycle(graph({ a: ['x', 'y'], b: ['x'] }))).toBeNull();
  });

  it('finds a self-loop', () => {
    expect(findCycle(graph({ a: ['a'] }))).toEqual(['a', 'a']);
  });

  it('finds a two-node cycle', () => {
    const edges = graph({ a: ['b'], b: ['a'] });
    expectCycleIn(edges, findCycle(edges));
  });

  it('finds a longer cycle reached through an acyclic prefix, naming only the cycle', () => {
    const edges = graph({ start: ['a'], a: ['b'], b: ['c'], c: ['a'], other: [] });
    const cycle = findCycle(edges);
    expectCycleIn(edges, cycle);
    expect(new Set(cycle)).toEqual(new Set(['a', 'b', 'c']));
  });

  it('handles a 20,000-step chain without overflowing the stack', () => {
    const edges = new Map<string, string[]>();
    for (let i = 0; i < 20_000; i++) edges.set(`n${i}`, i === 0 ? [] : [`n${i - 1}`]);
    expect(findCycle(edges)).toBeNull();
    edges.set('n0', ['n19999']);
    const cycle = findCycle(edges);
    expectCycleIn(edges, cycle);
    expect(cycle).toHaveLength(20_001);
  });
});

describe('assertAcyclic', () => {
  it('passes an acyclic graph', () => {
    expect(() => assertAcyclic(graph({ a: ['b'], b: [] }))).not.toThrow();
  });

  it('refuses a cycle with DEPENDENCY_CYCLE naming it, through the label function', () => {
    const keys: Record<string, string> = { id0: 'T0', id1: 'T1', id2: 'T2' };
    const error = refusedSync('DEPENDENCY_CYCLE', () => assertAcyclic(graph({ id0: ['id1'], id1: ['id2'], id2: ['id0'] }), (id) => keys[id]));
    const cycle = error.details.cycle as string[];
    expect(cycle[0]).toBe(cycle[cycle.length - 1]);
    expect(new Set(cycle)).toEqual(new Set(['T0', 'T1', 'T2']));
    expect(error.message).toBe(`dependency cycle: ${cycle.join(' → ')}`);
    expect(error.hint).toMatch(/Remove one of the dependencies/);
  });
});

describe('criticalPath', () => {
  it('follows the longest weighted chain from its root dependency', () => {
    const edges = graph({ d: ['b', 'c'], b: ['a'], c: [], a: [] });
    expect(criticalPath(['a', 'b', 'c', 'd'], edges, () => 1)).toEqual(['a', 'b', 'd']);
    // Weights shift the path: c is worth more than a → b.
    expect(criticalPath(['a', 'b', 'c', 'd'], edges, (id) => (id === 'c' ? 5 : 1))).toEqual(['c', 'd']);
  });
});
