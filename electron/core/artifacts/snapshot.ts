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
}
