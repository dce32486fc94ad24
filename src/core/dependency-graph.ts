// Dependency graph rules: a task may only depend on tasks that exist, and the graph never holds a cycle.
import { DomainError } from './errors.js';

/** Edges as task id → the ids it depends on. */
export type DependencyEdges = ReadonlyMap<string, readonly string[]>;

/**
 * Returns a cycle as a path [a, b, …, a] if the edges contain one, else null. Iterative DFS with colours, so a
 * 10,000-step chain cannot overflow the stack.
 */
export function findCycle(edges: DependencyEdges): string[] | null {
  const colour = new Map<string, 1 | 2>(); // 1 = on the current path, 2 = finished
  for (const start of edges.keys()) {
    if (colour.has(start)) continue;
    const path: string[] = [];
    const stack: Array<{ node: string; next: number }> = [{ node: start, next: 0 }];
    colour.set(start, 1);
    path.push(start);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      const deps = edges.get(frame.node) ?? [];
      if (frame.next < deps.length) {
        const dep = deps[frame.next++];
        const c = colour.get(dep);
        if (c === 1) return [...path.slice(path.indexOf(dep)), dep];
        if (c === undefined) {
          colour.set(dep, 1);
          path.push(dep);
          stack.push({ node: dep, next: 0 });
        }
      } else {
        colour.set(frame.node, 2);
        path.pop();
        stack.pop();
      }
    }
  }
  return null;
}

/** Refuses the edges with DEPENDENCY_CYCLE naming the cycle (labels map ids to T-keys where known). */
export function assertAcyclic(edges: DependencyEdges, label: (id: string) => string = (id) => id): void {
  const cycle = findCycle(edges);
  if (cycle) {
    const named = cycle.map(label).join(' → ');
    throw new DomainError(
      'DEPENDENCY_CYCLE',
      `dependency cycle: ${named}`,
      'Remove one of the dependencies in the cycle; a task cannot (indirectly) depend on itself.',
      { cycle: cycle.map(label) },
    );
  }
}

/**
 * The longest chain of open work through the graph (by task count), used to highlight the critical path.
 * `order` must list every node; edges point from a task to its dependencies.
 */
export function criticalPath(nodes: readonly string[], edges: DependencyEdges, weight: (id: string) => number): string[] {
  const memo = new Map<string, { length: number; next: string | null }>();
  const visit = (id: string): { length: number; next: string | null } => {
    const known = memo.get(id);
    if (known) return known;
    let best: { length: number; next: string | null } = { length: 0, next: null };
    for (const dep of edges.get(id) ?? []) {
      const r = visit(dep);
      if (r.length > best.length) best = { length: r.length, next: dep };
    }
    const result = { length: best.length + weight(id), next: best.next };
    memo.set(id, result);
    return result;
  };
  let head: string | null = null;
  let longest = -1;
  for (const id of nodes) {
    const r = visit(id);
    if (r.length > longest) {
      longest = r.length;
      head = id;
    }
  }
  const path: string[] = [];
  for (let at = head; at; at = memo.get(at)?.next ?? null) path.push(at);
  return path.reverse();
}
