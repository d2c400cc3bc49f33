/**
 * A realistic phase-1 project caught mid-way, for the renderer tests:
 * - the plan was approved after a clarification (answered by the scripted PM);
 * - the design spec is at r2 after a change request with inline comments, approved with conditions;
 * - the test plan waits for review, as does a high-impact variation from Implementer-2;
 * - one concern is acknowledged but unresolved (escalated one hop), another is resolved;
 * - iteration 1's gate was green: it set the drift baseline, hashed its manifest, found the required docs
 *   updated and made the phase a promotion candidate (the candidate merged; the phase kept iterating);
 * - iteration 2's run has a failure and a flaky test, and its gate escalated (coverage low, Sharpe drifted).
 * `buildSnapshot()` returns a fresh object so tests can mutate their copy freely.
 */
import { createHash } from 'node:crypto';
import type {
  AgentState,
  ArtifactRevision,
  Command,
  Concern,
  Decision,
  GitAction,
  Handoff,
  Response,
  Review,
  TestCase,
  Variation,
} from '../../shared/index.ts';
import type {
  ClarificationRecord,
  GateRecord,
  ProjectSnapshot,
  TestRunRecord,
} from '../../electron/core/artifacts/snapshot.ts';

const DESIGN_R1 = `# Design Spec — Backtester Skeleton

## Modules
- \`backtester/engine.py\`: event loop over bars
- \`backtester/config.py\`: run configuration

## Interfaces
\`run_backtest(config) -> Result\`
`;

const DESIGN_R2 = `# Design Spec — Backtester Skeleton

## Modules
- \`backtester/engine.py\`: event loop over bars
- \`backtester/config.py\`: run configuration
- \`backtester/loader.py\`: bar loader

## Interfaces
\`run_backtest(config: RunConfig) -> Result\`

## RunConfig schema
| field | type |
|---|---|
| symbol | str |
| start | date |

## Missing bars
The loader raises \`MissingBarsError\` when a gap exceeds one bar.
`;

function agent(
  name: string,
  role: AgentState['role'],
  status: AgentState['status'],
  task: string | null,
  runtime = 'scripted',
): AgentState {
  return {
    name,
    role,
    runtime,
    status,
    pause_requested: false,
    current_task: task,
    tokens_in: 0,
    tokens_out: 0,
    cost_usd: 0,
    updated_at: '2026-11-25T10:50:00Z',
  };
}

function revision(
  path: ArtifactRevision['path'],
  rev: number,
  owner: string,
  content: string,
  at: string,
  delta: string | null = null,
  inResponseTo: string | null = null,
): ArtifactRevision {
  return {
    path,
    revision: rev,
    phase: 1,
    owner,
    content,
    delta_summary: delta,
    in_response_to: inResponseTo,
    scripted: true,
    at,
  };
}

function review(
  id: string,
  kind: Review['kind'],
  title: string,
  by: string,
  at: string,
  subject: Review['subject'],
  decision: Decision | null,
  extra: Partial<Review> = {},
): Review {
  return {
    id,
    kind,
    phase: 1,
    title,
    requested_by: by,
    requested_at: at,
    impact: 'medium',
    subject,
    context: [],
    handoff_id: null,
    variation_id: null,
    follows: null,
    summary: title,
    status: decision ? 'decided' : 'pending',
    decision,
    ...extra,
  };
}

function decision(
  kind: Decision['decision'],
  comment: string,
  at: string,
  source: Decision['source'] = 'ui',
  inline: Decision['inline'] = [],
): Decision {
  return { reviewed_by: 'Human', decision: kind, comment, inline, timestamp: at, source };
}

function handoff(
  id: string,
  from: string,
  to: string,
  purpose: string,
  status: Handoff['status'],
  at: string,
  extra: Partial<Handoff> = {},
): Handoff {
  return {
    id,
    phase: 1,
    from,
    to,
    purpose,
    inputs: [],
    outputs: [],
    summary: purpose,
    status,
    timestamp: at,
    concerns_opened: 0,
    concerns_closed: 0,
    last_concern_id: null,
    has_critical_concerns: false,
    ...extra,
  };
}

function testCase(
  suite: string,
  name: string,
  status: TestCase['status'],
  ms: number,
  extra: Partial<TestCase> = {},
): TestCase {
  return {
    suite,
    name,
    classname: `tests.${suite}`,
    file: `tests/test_${suite.toLowerCase()}.py`,
    status,
    duration_ms: ms,
    message: null,
    details: null,
    flaky: false,
    ...extra,
  };
}

function gitAction(
  id: string,
  action: GitAction['action'],
  source: string,
  target: string,
  trigger: string,
  at: string,
  commit: string | null,
  message: string,
): GitAction {
  return {
    id,
    action,
    source,
    target,
    trigger,
    timestamp: at,
    actor: action === 'merge' ? 'System' : 'Implementer',
    commit,
    previous: null,
    message,
    files: [],
  };
}

/** Manifest entries with real, distinct, deterministic sha256 digests (of path and size) instead of 64-character literals. */
function manifest(entries: Array<[string, number]>): GateRecord['manifest'] {
  return entries.map(([path, bytes]) => ({
    path,
    sha256: createHash('sha256').update(`${path}:${bytes}`).digest('hex'),
    bytes,
  }));
}

export function buildSnapshot(): ProjectSnapshot {
  const concerns: Concern[] = [
    {
      id: 'concern_0371',
      phase: 1,
      from: 'Designer',
      to: 'ProjectManager',
      severity: 'info',
      category: 'design_gap',
      summary: 'Data vendor format undecided',
      details: 'CSV or Parquet; settled in design r2.',
      timestamp: '2026-11-24T10:30:00Z',
      status: 'resolved',
      discord_message_id: null,
      assigned_to: null,
      response: null,
      resolution: 'Parquet chosen.',
      escalations: [],
      updated_at: '2026-11-24T13:00:00Z',
    },
    {
      id: 'concern_0372',
      phase: 1,
      from: 'Tester',
      to: 'Implementer',
      severity: 'warning',
      category: 'test_failure',
      summary: 'Regression test fails on the missing-bar fixture',
      details: '1 of 14 unit tests fails; loader drops the last bar | see run-2.',
      timestamp: '2026-11-25T10:42:00Z',
      status: 'acknowledged',
      discord_message_id: '1300000000000000001',
      assigned_to: null,
      response: null,
      resolution: null,
      escalations: [
        { from: 'Implementer', to: 'Designer', at: '2026-11-25T10:50:00Z', reason: 'spec ambiguity on gaps' },
      ],
      updated_at: '2026-11-25T10:50:00Z',
    },
  ];

  const variations: Variation[] = [
    {
      id: 'var-1',
      number: 1,
      phase: 1,
      title: 'Switch bar storage to DuckDB',
      proposed_by: 'Implementer-2',
      impact: 'high',
      impact_areas: ['architecture', 'dependencies'],
      rationale: 'CSV loading dominates backtest runtime; DuckDB gives columnar scans',
      affected_modules: ['backtester/loader.py'],
      risk: 'new native dependency',
      estimated_rework: '1 day',
      status: 'proposed',
      decision_comment: null,
      reviewed_by: null,
      decided_at: null,
      proposed_at: '2026-11-25T08:14:00Z',
    },
    {
      id: 'var-2',
      number: 2,
      phase: 1,
      title: 'Vendor a small CSV fixture',
      proposed_by: 'Tester',
      impact: 'low',
      impact_areas: ['tests'],
      rationale: 'Deterministic regression data.',
      affected_modules: ['tests/fixtures'],
      risk: '',
      estimated_rework: '',
      status: 'accepted_by_policy',
      decision_comment: 'Low impact; merge policy allows it',
      reviewed_by: 'Policy',
      decided_at: '2026-11-25T09:05:00Z',
      proposed_at: '2026-11-25T09:04:00Z',
    },
  ];

  const commands: Command[] = [
    {
      command_id: 'cmd_20261125_001',
      cmd: '/status',
      target: null,
      args: '',
      user: 'Human',
      source: 'discord',
      timestamp: '2026-11-25T08:20:00Z',
    },
    {
      command_id: 'cmd_20261125_002',
      cmd: '/clarify',
      target: 'Designer',
      args: 'Why Parquet for bars?',
      user: 'Human',
      source: 'ui',
      timestamp: '2026-11-25T08:40:00Z',
    },
    {
      command_id: 'cmd_20261125_003',
      cmd: '/ack',
      target: 'concern_0372',
      args: '',
      user: 'Human',
      source: 'cli',
      timestamp: '2026-11-25T10:45:00Z',
    },
  ];
  const responses: Response[] = [
    {
      id: 'resp-1',
      command_id: 'cmd_20261125_001',
      from: 'ProjectManager',
      to: 'Human',
      response: '📊 System Status\nPhase: Phase 1 – Backtester Loop',
      ok: true,
      responded_at: '2026-11-25T08:20:01Z',
    },
    {
      id: 'resp-2',
      command_id: 'cmd_20261125_002',
      from: 'Designer',
      to: 'Human',
      response: 'Parquet gives columnar access; CSV is too slow.',
      ok: true,
      responded_at: '2026-11-25T08:41:00Z',
    },
    {
      id: 'resp-3',
      command_id: 'cmd_20261125_003',
      from: 'System',
      to: 'Human',
      response: 'Acknowledged concern_0372.',
      ok: true,
      responded_at: '2026-11-25T10:45:01Z',
    },
  ];
  const clarifications: ClarificationRecord[] = [
    {
      id: 'cl-1',
      agent: 'ProjectManager',
      question: 'How is reproducibility measured?',
      command_id: null,
      review_id: 'rv-plan-1',
      asked_at: '2026-11-24T08:30:00Z',
      answer: 'Three replays of one config must produce identical equity-curve hashes.',
      answered_at: '2026-11-24T08:31:00Z',
      scripted: true,
    },
    {
      id: 'cl-2',
      agent: 'Designer',
      question: 'Why Parquet for bars?',
      command_id: 'cmd_20261125_002',
      review_id: null,
      asked_at: '2026-11-25T08:40:00Z',
      answer: 'Parquet gives columnar access; CSV is too slow.',
      answered_at: '2026-11-25T08:41:00Z',
      scripted: true,
    },
  ];

  const run1: TestRunRecord = {
    run_id: 'run-1',
    phase: 1,
    at: '2026-11-25T08:45:00Z',
    result: {
      name: 'unit',
      command: 'pytest -q --junitxml=reports/junit.xml',
      candidate: 'c0ffee1234567890',
      exit_code: 0,
      timed_out: false,
      duration_ms: 2100,
      totals: { tests: 12, passed: 12, failed: 0, skipped: 0, flaky: 0 },
      cases: [testCase('Config', 'parses run config', 'passed', 12)],
      problems: [],
      output_tail: '12 passed in 2.10s',
      started_at: '2026-11-25T08:44:58Z',
    },
  };
  const run2: TestRunRecord = {
    run_id: 'run-2',
    phase: 1,
    at: '2026-11-25T10:40:00Z',
    result: {
      name: 'unit',
      command: 'pytest -q --junitxml=reports/junit.xml',
      candidate: 'deadbeef00112233',
      exit_code: 1,
      timed_out: false,
      duration_ms: 2450,
      totals: { tests: 14, passed: 13, failed: 1, skipped: 0, flaky: 1 },
      cases: [
        testCase('Config', 'parses run config', 'passed', 11),
        testCase('BarLoader', 'loads daily bars', 'passed', 40, { flaky: true }),
        testCase('BarLoader', 'handles missing bars', 'failed', 35, {
          message: 'AssertionError: expected 3 bars, got 2',
          details:
            'Traceback (most recent call last):\n  File "tests/test_barloader.py", line 42\n```\nassert len(bars) == 3\n```',
        }),
      ],
      problems: [],
      output_tail: 'FAILED tests/test_barloader.py::handles_missing_bars\n1 failed, 13 passed in 2.45s',
      started_at: '2026-11-25T10:39:57Z',
    },
  };

  // The seed's promotion_policy.docs_required; no release tag exists yet, so "since the phase began".
  const compliance: GateRecord['compliance'] = {
    docs: ['docs/PROJECT_OVERVIEW.md', 'tests/TEST_RESULTS.md', 'QA_REPORT.md'].map((path) => ({
      path,
      updated: true,
      note: 'changed since the phase began (no tag yet)',
    })),
    audit_ids: { ok: true, missing: [] },
  };
  const promotionOk = {
    condition: 'promotion_policy',
    ok: true,
    detail: 'e2e results, reproducibility, required docs and Audit-IDs in order',
  };
  const gate1: GateRecord = {
    phase: 1,
    iteration: 1,
    candidate: 'c0ffee1234567890',
    green: true,
    outcome: 'promotion_candidate',
    reasons: ['all merge conditions hold; phase is a promotion candidate'],
    totals: { tests: 12, passed: 12, failed: 0, skipped: 0, flaky: 0 },
    coverage_lines: 84,
    coverage_branches: 70,
    // The project's first gate has nothing to compare with: its metrics become the baseline.
    drift: [
      { metric: 'sharpe', baseline: null, value: 1.2, percent: null, breach: false },
      { metric: 'reproducibility', baseline: null, value: 100, percent: null, breach: false },
    ],
    metrics: { sharpe: 1.2, max_drawdown: -8.4, reproducibility: 100 },
    baseline: 'set_by_this_run',
    reproducibility: { runs: 3, identical: 3, score: 100 },
    conditions: [
      { condition: 'test commands ran and reported', ok: true, detail: '12 tests reported' },
      { condition: 'all_tests_passed', ok: true, detail: '12/12 passed, 0 failed' },
      { condition: 'coverage_min: 80', ok: true, detail: 'line coverage 84%' },
      { condition: 'drift_max_percent: 2', ok: true, detail: 'no baseline yet, or no metrics watched' },
      promotionOk,
    ],
    compliance,
    // Governed sources, then the test outputs the runs produced.
    manifest: manifest([
      ['backtester/config.py', 2314],
      ['backtester/engine.py', 4108],
      ['backtester/loader.py', 1877],
      ['tests/test_config.py', 960],
      ['reports/junit.xml', 1532],
      ['reports/coverage.xml', 8841],
      ['reports/metrics.json', 64],
    ]),
    duration_ms: 6420,
    report: '',
    at: '2026-11-25T08:48:00Z',
    event_id: '01JDR5GATE000000000000G001',
  };
  const gate2: GateRecord = {
    ...gate1,
    iteration: 2,
    candidate: 'deadbeef00112233',
    green: false,
    outcome: 'escalate',
    reasons: [
      'all_tests_passed: 1 test failed',
      'coverage_min: 78.5% < 80%',
      'drift_max_percent: 2: sharpe +2.5%',
      'gate_fail: the gate did not pass',
    ],
    totals: { tests: 14, passed: 13, failed: 1, skipped: 0, flaky: 1 },
    coverage_lines: 78.5,
    coverage_branches: 61.2,
    drift: [
      { metric: 'sharpe', baseline: 1.2, value: 1.23, percent: 2.5, breach: true },
      { metric: 'reproducibility', baseline: 100, value: 100, percent: 0, breach: false },
    ],
    metrics: { sharpe: 1.23, max_drawdown: -8.1, reproducibility: 100 },
    baseline: 'last_known_good',
    conditions: [
      { condition: 'test commands ran and reported', ok: true, detail: '14 tests reported' },
      { condition: 'all_tests_passed', ok: false, detail: '13/14 passed, 1 failed, 1 flaky' },
      { condition: 'coverage_min: 80', ok: false, detail: 'line coverage 78.5%' },
      { condition: 'drift_max_percent: 2', ok: false, detail: 'sharpe +2.5%' },
      promotionOk,
    ],
    manifest: manifest([
      ['backtester/loader.py', 2290],
      ['reports/junit.xml', 2048],
      ['reports/metrics.json', 65],
    ]),
    duration_ms: 7315,
    report: 'Escalated to the human: 3 merge conditions unmet.',
    at: '2026-11-25T10:45:00Z',
    event_id: '01JDR5GATE000000000000G002',
  };

  return {
    name: 'Backtester Skeleton',
    brief: 'Build base backtester skeleton.',
    phase: 1,
    stage: 'test',
    iteration: 2,
    roadmap: [
      {
        number: 1,
        name: 'Backtester Loop',
        goal: 'Run the agent loop end to end on a backtester skeleton',
        deliverables: ['backtester skeleton', 'test suite'],
        status: 'active',
      },
      {
        number: 2,
        name: 'Optimizer Pipeline',
        goal: 'Add the optimizer',
        deliverables: ['optimizer'],
        status: 'planned',
      },
    ],
    tasks: [
      {
        id: 'T1',
        phase: 1,
        title: 'Requirements and task matrix',
        agent: 'ProjectManager',
        status: 'Done',
        depends_on: [],
        commentary: 'Approved after one clarification',
        links: ['REQUIREMENTS.md', 'AGENT_TASKS.md'],
      },
      {
        id: 'T2',
        phase: 1,
        title: 'Design spec for the skeleton',
        agent: 'Designer',
        status: 'Done',
        depends_on: ['T1'],
        commentary: 'r2 after change request',
        links: ['design/DESIGN_SPEC.md'],
      },
      {
        id: 'T3',
        phase: 1,
        title: 'Run config parser',
        agent: 'Implementer',
        status: 'Done',
        depends_on: ['T2'],
        commentary: '',
        links: [],
      },
      {
        id: 'T4',
        phase: 1,
        title: 'Bar loader',
        agent: 'Implementer-2',
        status: 'In Progress',
        depends_on: ['T2'],
        commentary: 'Waiting on variation #1 | DuckDB',
        links: [],
      },
      {
        id: 'T5',
        phase: 1,
        title: 'Test plan and regression suite',
        agent: 'Tester',
        status: 'Needs Review',
        depends_on: ['T3'],
        commentary: '',
        links: ['tests/TEST_PLAN.md'],
      },
      {
        id: 'T6',
        phase: 2,
        title: 'Plan the optimizer phase',
        agent: 'ProjectManager',
        status: 'To Do',
        depends_on: [],
        commentary: '',
        links: [],
      },
    ],
    kpis: [
      { name: 'Test coverage', target: '≥ 80%', current: null },
      { name: 'Reproducibility', target: '≥ 95%', current: null },
      { name: 'Handoffs recorded', target: '100%', current: '100%' },
    ],
    risks: ['Historical data licence not yet confirmed'],
    artifacts: [
      revision(
        'REQUIREMENTS.md',
        1,
        'ProjectManager',
        '# Requirements\n\n- Run a backtest from a config file.\n',
        '2026-11-24T08:05:00Z',
      ),
      revision(
        'AGENT_TASKS.md',
        1,
        'ProjectManager',
        '# Agent Tasks\n\n| Task | Agent |\n|---|---|\n| T1 | ProjectManager |\n',
        '2026-11-24T08:06:00Z',
      ),
      revision('design/DESIGN_SPEC.md', 1, 'Designer', DESIGN_R1, '2026-11-24T10:00:00Z'),
      revision(
        'design/ARCHITECTURE.md',
        1,
        'Designer',
        '# Architecture\n\nconfig → loader → engine → result\n',
        '2026-11-24T10:01:00Z',
      ),
      revision(
        'design/DESIGN_SPEC.md',
        2,
        'Designer',
        DESIGN_R2,
        '2026-11-24T13:00:00Z',
        'Defined the RunConfig schema (line 12 comment).\nAdded MissingBarsError for gaps (line 20 comment).',
        'rv-design-1',
      ),
      revision(
        'tests/TEST_PLAN.md',
        1,
        'Tester',
        '# Test Plan\n\n- Unit: config, loader, engine\n',
        '2026-11-25T09:00:00Z',
      ),
    ],
    reviews: [
      review(
        'rv-plan-1',
        'plan',
        'Project plan',
        'ProjectManager',
        '2026-11-24T08:07:00Z',
        { path: 'REQUIREMENTS.md', revision: 1 },
        decision('request_clarification', 'How is reproducibility measured?', '2026-11-24T08:30:00Z', 'discord'),
      ),
      review(
        'rv-plan-2',
        'plan',
        'Project plan',
        'ProjectManager',
        '2026-11-24T08:32:00Z',
        { path: 'REQUIREMENTS.md', revision: 1 },
        decision('approve', 'Plan approved. Clarify dependency resolution in Phase 2.', '2026-11-24T09:00:00Z'),
        { follows: 'rv-plan-1' },
      ),
      review(
        'rv-design-1',
        'design',
        'Design spec',
        'Designer',
        '2026-11-24T10:02:00Z',
        { path: 'design/DESIGN_SPEC.md', revision: 1 },
        decision('request_changes', 'Interfaces are incomplete.', '2026-11-24T11:00:00Z', 'ui', [
          { path: 'design/DESIGN_SPEC.md', line: 20, text: 'What happens on missing bars?' },
          { path: 'design/DESIGN_SPEC.md', line: 12, text: 'RunConfig schema is missing.' },
        ]),
      ),
      review(
        'rv-design-2',
        'design',
        'Design spec',
        'Designer',
        '2026-11-24T13:00:05Z',
        { path: 'design/DESIGN_SPEC.md', revision: 2 },
        decision('approve_with_conditions', 'Proceed; benchmark the loader against r1.', '2026-11-24T14:00:00Z'),
        { follows: 'rv-design-1' },
      ),
      review(
        'rv-tp-1',
        'test_plan',
        'Test plan',
        'Tester',
        '2026-11-25T09:01:00Z',
        { path: 'tests/TEST_PLAN.md', revision: 1 },
        null,
      ),
      review(
        'rv-var-1',
        'variation',
        'Variation #1: Switch bar storage to DuckDB',
        'Implementer-2',
        '2026-11-25T08:14:00Z',
        { path: 'docs/PROJECT_VARIATIONS.md', revision: 1 },
        null,
        { impact: 'high', variation_id: 'var-1' },
      ),
    ],
    concerns,
    variations,
    handoffs: [
      handoff(
        '01JDQ0PLAN00000000000A1B2C',
        'ProjectManager',
        'Human',
        'Project Plan Review',
        'approved',
        '2026-11-24T08:07:00Z',
        { inputs: ['REQUIREMENTS.md', 'AGENT_TASKS.md'], outputs: ['docs/PROJECT_OVERVIEW.md'] },
      ),
      handoff(
        '01JDQ0DSGN00000000000D3E4F',
        'Designer',
        'Human',
        'Design Review',
        'approved_with_conditions',
        '2026-11-24T13:00:05Z',
        { inputs: ['design/DESIGN_SPEC.md'], outputs: [] },
      ),
      handoff(
        '01JDR5K8Q0AAAAAAAAAAZZ0001',
        'Implementer',
        'Tester',
        'Code complete: run config parser',
        'delivered',
        '2026-11-25T08:14:00Z',
        { outputs: ['backtester/config.py'] },
      ),
      handoff(
        '01JDR5K8Q0AAAAAAAAAAZZ0002',
        'Implementer-2',
        'Human',
        'High-Impact Variation Review',
        'awaiting_review',
        '2026-11-25T08:14:00Z',
        {
          inputs: ['docs/PROJECT_DETAIL.md'],
          outputs: ['docs/PROJECT_VARIATIONS.md'],
          impact: 'high',
          summary: 'Implementer-2 proposes DuckDB for bar storage',
        },
      ),
      handoff(
        '01JDR9TPLN00000000000G5H6J',
        'Tester',
        'Human',
        'Test-Plan Review',
        'awaiting_approval',
        '2026-11-25T09:01:00Z',
        { inputs: ['tests/TEST_PLAN.md'], concerns_opened: 1, last_concern_id: 'concern_0372' },
      ),
    ],
    commands,
    responses,
    clarifications,
    agents: [
      agent('ProjectManager', 'ProjectManager', 'idle', null),
      agent('Designer', 'Designer', 'idle', null),
      agent('Implementer', 'Implementer', 'idle', null),
      agent('Implementer-2', 'Implementer', 'waiting_human', 'T4', 'anthropic:claude-sonnet-4-5'),
      agent('Tester', 'Tester', 'working', 'T5'),
    ],
    gitActions: [
      gitAction(
        'g1',
        'branch',
        'develop',
        'phase1/implementer',
        'design_approved',
        '2026-11-24T14:05:00Z',
        'aaaa111',
        'create phase1/implementer',
      ),
      gitAction(
        'g2',
        'commit',
        'phase1/implementer',
        'phase1/implementer',
        'agent',
        '2026-11-25T08:10:00Z',
        'bbbb222',
        'feat(backtester): run config parser',
      ),
      gitAction(
        'g3',
        'merge',
        'phase1/implementer',
        'develop',
        'qa_gate',
        '2026-11-25T08:49:00Z',
        'cccc3334444',
        "Merge branch 'phase1/implementer' into develop",
      ),
    ],
    testRuns: [run1, run2],
    gates: [gate1, gate2],
    promotions: [],
    lastUpdate: '2026-11-25T10:56:00Z',
  };
}
