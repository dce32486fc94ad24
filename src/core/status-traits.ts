// What each status means outside its lifecycle, as data: open or terminal, whether it satisfies a dependency, how it
// is shown. Every status list of the service, the SQL, the page models and the dashboard (through GET /api/meta) is
// derived from these two tables; the moves themselves are the lifecycles' (task-lifecycle.ts, mission-lifecycle.ts).
// Both tables are `Record`s over the enums, so a new status does not compile until it has a row here.
import { MISSION_STATUSES, type MissionStatus, TASK_STATUSES, type TaskStatus } from './enums.js';

export interface TaskStatusTraits {
  /** Work remains. Not open is terminal: only reopen_task leaves it. */
  open: boolean;
  /** A dependency in this status lets its dependents start (a failed one does not). */
  satisfiesDependency: boolean;
  /** Its mission may complete with the task in this status (every task done or cancelled). */
  closesForMission: boolean;
  /** The label people read (the dashboard). */
  label: string;
}

/** The rows are in the order the dashboard lists task statuses (a card's counts, the graph's legend). */
export const TASK_STATUS_TRAITS: Record<TaskStatus, TaskStatusTraits> = {
  todo: { open: true, satisfiesDependency: false, closesForMission: false, label: 'To do' },
  in_progress: { open: true, satisfiesDependency: false, closesForMission: false, label: 'In progress' },
  review: { open: true, satisfiesDependency: false, closesForMission: false, label: 'Review' },
  blocked: { open: true, satisfiesDependency: false, closesForMission: false, label: 'Blocked' },
  done: { open: false, satisfiesDependency: true, closesForMission: true, label: 'Done' },
  failed: { open: false, satisfiesDependency: false, closesForMission: false, label: 'Failed' },
  cancelled: { open: false, satisfiesDependency: true, closesForMission: true, label: 'Cancelled' },
};

export interface MissionStatusTraits {
  /** Not yet complete or cancelled: an open column of the board, matched by the `open` status filter. */
  open: boolean;
  /** Matched by the `active` status filter: being planned or worked. */
  active: boolean;
  /** The label people read (the dashboard). */
  label: string;
}

/** The rows are in the order the stages follow each other (the board's columns). */
export const MISSION_STATUS_TRAITS: Record<MissionStatus, MissionStatusTraits> = {
  brainstorm: { open: true, active: false, label: 'Brainstorm' },
  plan: { open: true, active: true, label: 'Plan' },
  execute: { open: true, active: true, label: 'Execute' },
  validate: { open: true, active: false, label: 'Validate' },
  complete: { open: false, active: false, label: 'Complete' },
  cancelled: { open: false, active: false, label: 'Cancelled' },
};

const tasksWhere = (trait: (t: TaskStatusTraits) => boolean): readonly TaskStatus[] => TASK_STATUSES.filter((s) => trait(TASK_STATUS_TRAITS[s]));
const missionsWhere = (trait: (t: MissionStatusTraits) => boolean): readonly MissionStatus[] => MISSION_STATUSES.filter((s) => trait(MISSION_STATUS_TRAITS[s]));

export const isOpenTask = (status: TaskStatus): boolean => TASK_STATUS_TRAITS[status].open;
export const isTerminalTask = (status: TaskStatus): boolean => !TASK_STATUS_TRAITS[status].open;
export const satisfiesDependency = (status: TaskStatus): boolean => TASK_STATUS_TRAITS[status].satisfiesDependency;
export const closesForMission = (status: TaskStatus): boolean => TASK_STATUS_TRAITS[status].closesForMission;
export const isOpenMission = (status: MissionStatus): boolean => MISSION_STATUS_TRAITS[status].open;
export const isTerminalMission = (status: MissionStatus): boolean => !MISSION_STATUS_TRAITS[status].open;

/** todo, in_progress, review, blocked. */
export const OPEN_TASK_STATUSES = tasksWhere((t) => t.open);
/** done, cancelled, failed. */
export const TERMINAL_TASK_STATUSES = tasksWhere((t) => !t.open);
/** A dependency in one of these states lets its dependents start; a failed one does not. */
export const SATISFYING_STATUSES = tasksWhere((t) => t.satisfiesDependency);
/** The dashboard's order of task statuses. */
export const TASK_STATUS_ORDER = Object.keys(TASK_STATUS_TRAITS) as readonly TaskStatus[];

/** brainstorm, plan, execute, validate. */
export const OPEN_MISSION_STATUSES = missionsWhere((t) => t.open);
/** complete, cancelled. */
export const TERMINAL_MISSION_STATUSES = missionsWhere((t) => !t.open);
/** The status filter's aliases (list_missions status: 'open', 'active', 'all'). */
export const MISSION_STATUS_ALIASES: Readonly<Record<string, readonly MissionStatus[]>> = {
  open: OPEN_MISSION_STATUSES,
  active: missionsWhere((t) => t.active),
  all: MISSION_STATUSES,
};

const labels = <S extends string>(traits: Record<S, { label: string }>): Record<S, string> =>
  Object.fromEntries(Object.entries<{ label: string }>(traits).map(([s, t]) => [s, t.label])) as Record<S, string>;
export const TASK_STATUS_LABELS = labels(TASK_STATUS_TRAITS);
export const MISSION_STATUS_LABELS = labels(MISSION_STATUS_TRAITS);
