// Drives a mission to complete the way its agents would: every task claimed by its owner and closed with the
// evidence its step demands, then every deliverable proven — through the service or through a real MCP client.
import { expect } from 'vitest';
import type { EvidenceKind } from '../../src/core/enums.js';
import { requirementOf } from '../../src/core/evidence-tier.js';
import type { Actor, MissionDetail } from '../../src/core/model.js';
import type { Sortie } from '../../src/service/sortie.js';
import type { AgentClient } from './clients.js';
import { refused } from './refusal.js';

/** A checkable sample of each evidence kind. */
export const SAMPLE_EVIDENCE: Record<EvidenceKind, string> = {
  commit: '3f2c9e1a7b',
  pr: '#42',
  issue: '#12',
  url: 'https://example.com/releases/1.2.0',
  test_ratio: '18/18',
  file: 'docs/plan.md',
  count: '7 files',
};

/** Evidence for one task: one item of each required kind, or a file when the step names none. */
export function evidenceFor(requirements: readonly string[]): Array<{ kind: EvidenceKind; value: string }> {
  const kinds = requirements.map((r) => requirementOf(r).kind);
  const wanted = kinds.length ? kinds : (['file'] as EvidenceKind[]);
  return wanted.map((kind) => ({ kind, value: SAMPLE_EVIDENCE[kind] }));
}

/** A kind the task does not require, used to show that the wrong evidence is refused. */
function otherKind(required: readonly string[]): EvidenceKind {
  const kinds = required.map((r) => requirementOf(r).kind);
  return (['count', 'file', 'url', 'commit'] as EvidenceKind[]).find((k) => !kinds.includes(k)) as EvidenceKind;
}

/**
 * Through the service: plan → execute, then each task in key order (keys follow dependency order) claimed by its
 * assignee (the pilot when unassigned), first offered the wrong evidence when it requires some — which must be
 * refused with EVIDENCE_REQUIRED — then closed with the right evidence; finally deliverable evidence and complete.
 */
export async function driveMissionToComplete(sortie: Sortie, missionId: string): Promise<MissionDetail> {
  let mission = await sortie.getMission({ agent: 'observer' }, { missionId });
  const pilot: Actor = { agent: mission.pilot };
  if (mission.status === 'brainstorm') await sortie.updateMissionStatus(pilot, { missionId, status: 'plan' });
  await sortie.updateMissionStatus(pilot, { missionId, status: 'execute' });
  for (const task of mission.tasks) {
    const owner: Actor = { agent: task.assignedTo ?? mission.pilot };
    await sortie.checkoutTask(owner, { taskId: task.taskId });
    if (task.requiredEvidence.length > 0) {
      const wrong = otherKind(task.requiredEvidence);
      const refusal = await refused(
        'EVIDENCE_REQUIRED',
        sortie.completeTask(owner, { taskId: task.taskId, completionNote: 'done', evidence: [{ kind: wrong, value: SAMPLE_EVIDENCE[wrong] }] }),
      );
      expect(refusal.details.missingKinds).toEqual(task.requiredEvidence.filter((k) => k !== wrong));
    }
    const done = await sortie.completeTask(owner, {
      taskId: task.taskId,
      completionNote: `${task.title}: finished`,
      evidence: evidenceFor(task.requiredEvidence),
    });
    expect(done.status).toBe('done');
  }
  mission = await sortie.getMission(pilot, { missionId });
  expect(mission.status).toBe('validate');
  for (const d of mission.deliverables) {
    await sortie.addMissionEvidence(pilot, {
      missionId,
      deliverable: d.name,
      evidence: [{ kind: requirementOf(d.acceptedKinds[0]).kind, value: SAMPLE_EVIDENCE[requirementOf(d.acceptedKinds[0]).kind] }],
    });
  }
  if (mission.deliverables.length === 0) await sortie.addMissionEvidence(pilot, { missionId, evidence: [{ kind: 'pr', value: '#42' }] });
  return sortie.updateMissionStatus(pilot, { missionId, status: 'complete' });
}

/** The same drive through real MCP clients, one per agent (connect returns a client for an agent name). */
interface McpTask {
  taskId: string;
  assignedTo: string | null;
  requiredEvidence: EvidenceKind[];
}

export async function driveMissionOverMcp(connect: (agent: string) => Promise<AgentClient>, missionId: string): Promise<{ status: string }> {
  const clients = new Map<string, AgentClient>();
  const as = async (agent: string) => {
    if (!clients.has(agent)) clients.set(agent, await connect(agent));
    return clients.get(agent) as AgentClient;
  };
  const first = await (await as('observer')).call('get_mission', { missionId });
  const pilot = await as(first.pilot);
  if (first.status === 'brainstorm') await pilot.call('update_mission_status', { missionId, status: 'plan' });
  await pilot.call('update_mission_status', { missionId, status: 'execute' });
  // get_mission {fields: 'full'} answers the first page of task records; list_tasks_by_mission pages on.
  const full = await pilot.call('get_mission', { missionId, fields: 'full' });
  const tasks = [...(full.tasks as McpTask[])];
  for (let cursor = full.tasksNextCursor; cursor; ) {
    const page = await pilot.call('list_tasks_by_mission', { missionId, fields: 'full', cursor, limit: 200 });
    tasks.push(...(page.items as McpTask[]));
    cursor = page.nextCursor;
  }
  for (const task of tasks) {
    const owner = await as(task.assignedTo ?? first.pilot);
    await owner.call('checkout_task', { taskId: task.taskId });
    if (task.requiredEvidence.length > 0) {
      const wrong = otherKind(task.requiredEvidence);
      const refusal = await owner.refuse('complete_task', {
        taskId: task.taskId,
        completionNote: 'done',
        evidence: [{ kind: wrong, value: SAMPLE_EVIDENCE[wrong] }],
      });
      expect(refusal.code).toBe('EVIDENCE_REQUIRED');
    }
    const done = await owner.call('complete_task', { taskId: task.taskId, completionNote: 'finished', evidence: evidenceFor(task.requiredEvidence) });
    expect(done.status).toBe('done');
  }
  const validating = await pilot.call('get_mission', { missionId });
  expect(validating.status).toBe('validate');
  for (const d of validating.deliverables as Array<{ name: string; acceptedKinds: EvidenceKind[] }>) {
    await pilot.call('add_mission_evidence', {
      missionId,
      deliverable: d.name,
      evidence: [{ kind: requirementOf(d.acceptedKinds[0]).kind, value: SAMPLE_EVIDENCE[requirementOf(d.acceptedKinds[0]).kind] }],
    });
  }
  return pilot.call<{ status: string }>('update_mission_status', { missionId, status: 'complete' });
}
