import type {
  AgentState,
  ArtifactRevision,
  Command,
  Concern,
  EventPayload,
  GitAction,
  Handoff,
  KPI,
  Phase,
  Response,
  Review,
  Severity,
  Stage,
  Task,
  TestRunResult,
  Variation,
} from '../../../shared/index.ts';

export interface ClarificationRecord {
  id: string;
  agent: string;
  question: string;
  command_id: string | null;
  review_id: string | null;
  asked_at: string;
  answer: string | null;
  answered_at: string | null;
  scripted: boolean;
}

export interface TestRunRecord {
  run_id: string;
  phase: number;
  at: string;
  result: TestRunResult;
}

export type GateRecord = EventPayload<'qa.gate_evaluated'> & { at: string; event_id: string };
export type PromotionRecord = EventPayload<'phase.promoted'> & { at: string };

/**
 * Everything the exports are rendered from, read from the ledger's projections.
 * Renderers are pure functions of this object, so the same ledger renders byte-identical files.
 * Arrays are in ledger order (oldest first).
 */
export interface ProjectSnapshot {
  name: string;
  brief: string;
  phase: number;
  stage: Stage;
  iteration: number;
  roadmap: Phase[];
  tasks: Task[];
  kpis: KPI[];
  risks: string[];
  /** Every revision of every authored document. */
  artifacts: ArtifactRevision[];
  reviews: Review[];
  concerns: Concern[];
  variations: Variation[];
  handoffs: Handoff[];
  commands: Command[];
  responses: Response[];
  clarifications: ClarificationRecord[];
  agents: AgentState[];
  gitActions: GitAction[];
  testRuns: TestRunRecord[];
  gates: GateRecord[];
  promotions: PromotionRecord[];
  /** Timestamp of the newest event; the only clock renderers may use. */
  lastUpdate: string;
  /**
   * Totals over the whole history, counted by the store, so a document that shows them can be rendered
   * from a few rows (the reader fills this; without it, renderers count the lists above).
   */
  stats?: SnapshotStats;
}

export interface SnapshotStats {
  /** More reviews were decided than the overview's checkpoints show. */
  earlierDecisions: boolean;
  resolvedConcerns: Record<Severity, number>;
  /** The most recently raised critical concern, open or resolved. */
  lastCritical: { id: string; timestamp: string } | null;
}

/**
 * What `status.json` and the `/status` reply are made of. Every fact they show is about the current phase,
 * the open concerns, the pending reviews or the team, so these lists may hold only those: the reader's
 * `statusFacts()` fills them with a few indexed rows whatever the length of the history.
 */
export type StatusFacts = Pick<
  ProjectSnapshot,
  'name' | 'phase' | 'stage' | 'iteration' | 'roadmap' | 'tasks' | 'concerns' | 'reviews' | 'agents' | 'lastUpdate'
>;
