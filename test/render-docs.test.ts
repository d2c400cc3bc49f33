import { describe, expect, it } from 'vitest';
import {
  interactions,
  renderChangelog,
  renderDetail,
  renderOverview,
  renderVariations,
} from '../electron/core/artifacts/render/index.ts';
import { buildSnapshot } from './support/snapshot-fixture.ts';

function section(doc: string, heading: string): string {
  const start = doc.indexOf(`${heading}\n`);
  if (start < 0) throw new Error(`no section ${heading}`);
  const next = doc.indexOf('\n## ', start + heading.length);
  return next < 0 ? doc.slice(start) : doc.slice(start, next);
}

describe('docs/PROJECT_OVERVIEW.md', () => {
  const doc = renderOverview(buildSnapshot());

  it('has the roadmap with phase status and the current phase and stage', () => {
    expect(section(doc, '## Roadmap')).toContain(
      '| Phase 1 | Backtester Loop | Run the agent loop end to end on a backtester skeleton | 🟢 Active |',
    );
    expect(section(doc, '## Roadmap')).toContain('| Phase 2 | Optimizer Pipeline | Add the optimizer | ⬜ Planned |');
    expect(section(doc, '## Current Phase')).toContain('**Phase 1 – Backtester Loop**, stage `test` (iteration 2)');
    expect(section(doc, '## Current Phase')).toContain('- Tasks: 3 / 5 complete');
  });

  it('renders each decision as the seed Human Review block', () => {
    const checkpoints = section(doc, '## Human Review Checkpoints');
    expect(checkpoints).toContain(
      [
        '> 🧑‍💼 Human Review — 2026-11-24  ',
        '> Plan review: Project plan (`REQUIREMENTS.md` r1, by Human)  ',
        '> Plan approved. Clarify dependency resolution in Phase 2.  ',
        '> ✅ Approved to proceed.',
      ].join('\n'),
    );
    expect(checkpoints).toContain('> 🔁 Changes requested; revision required.');
    expect(checkpoints).toContain('> ↳ ProjectManager (scripted): Three replays');
    expect(checkpoints.match(/🧑‍💼 Human Review/g)).toHaveLength(4);
  });

  it('lists pending reviews, blockers, deliverables and KPIs measured by the latest gate', () => {
    expect(section(doc, '## Pending Reviews')).toContain(
      'Variation #1: Switch bar storage to DuckDB (`docs/PROJECT_VARIATIONS.md` r1, impact high)',
    );
    expect(section(doc, '## Known Blockers / Risks')).toContain(
      '🚨 QA gate escalated (2026-11-25): all_tests_passed: 1 test failed; coverage_min: 78.5% < 80%',
    );
    expect(section(doc, '## Known Blockers / Risks')).toContain('- Risk: Historical data licence not yet confirmed');
    expect(section(doc, '## Major Deliverables Completed')).toContain(
      '✅ `design/DESIGN_SPEC.md` r2 approved with conditions by Human 2026-11-24',
    );
    const kpis = section(doc, '## KPIs');
    expect(kpis).toContain('| Test coverage | ≥ 80% | 78.5% lines (gate 2026-11-25) |');
    expect(kpis).toContain('| Test pass rate | — | 92.9% (13/14) |');
    expect(kpis).toContain('| Reproducibility | ≥ 95% | 100% (0% vs baseline) |');
  });

  it('summarises open concerns by severity with the last critical timestamp', () => {
    const s = buildSnapshot();
    s.concerns.push({ ...s.concerns[1]!, id: 'concern_0400', severity: 'critical', timestamp: '2026-11-25T10:55:00Z' });
    const concerns = section(renderOverview(s), '## Open Concerns (summary)');
    expect(concerns).toContain('| 🔴 Critical | 1 | 0 |');
    expect(concerns).toContain('| ⚠️ Warning | 1 | 0 |');
    expect(concerns).toContain('| ℹ️ Info | 0 | 1 |');
    expect(concerns).toContain('- Last critical: 2026-11-25 10:55 UTC (concern_0400)');
    expect(section(doc, '## Open Concerns (summary)')).toContain('- Last critical: none');
  });

  it('labels scripted agents in the team table', () => {
    expect(section(doc, '## Team')).toContain('| Tester | scripted (offline demo) | working | T5 |');
    expect(section(doc, '## Team')).toContain('| Implementer-2 | anthropic:claude-sonnet-4-5 | waiting_human | T4 |');
  });
});

describe('docs/PROJECT_DETAIL.md', () => {
  const doc = renderDetail(buildSnapshot());

  it('lists tasks per phase and agent with status, commentary (pipes escaped) and relative links', () => {
    expect(doc).toContain('## Phase 1 – Backtester Loop (current, stage `test`)');
    expect(doc).toContain('### Implementer-2\n');
    expect(doc).toContain('### Tester (scripted)\n');
    expect(doc).toContain('| T4 | Bar loader | 🔄 In Progress | T2 | Waiting on variation #1 \\| DuckDB | — |');
    expect(doc).toContain(
      '| T5 | Test plan and regression suite | 👀 Needs Review | T3 | — | [TEST_PLAN.md](../tests/TEST_PLAN.md) |',
    );
    expect(doc).toContain('## Phase 2 – Optimizer Pipeline (planned)');
  });

  it('has an Open Concerns table of unresolved concerns with hops', () => {
    const concerns = section(doc, '## Open Concerns');
    expect(concerns).toContain(
      '| ⚠️ warning | concern_0372 | Tester (scripted) → Implementer | test_failure | Regression test fails on the missing-bar fixture | acknowledged | — | Implementer → Designer (1 hop) | 2026-11-25 10:42 UTC |',
    );
    expect(concerns).not.toContain('concern_0371');
  });

  it('lists recent human interactions newest first, one line each, responses joined by command id', () => {
    const lines = section(doc, '## Recent Human Interactions')
      .split('\n')
      .filter((l) => l.startsWith('- '));
    expect(lines[0]).toBe(
      '- 2026-11-25 10:45 UTC · cli · Human · `/ack concern_0372` → System: Acknowledged concern_0372.',
    );
    expect(lines[1]).toContain(
      '`/clarify Designer Why Parquet for bars?` → Designer (scripted): Parquet gives columnar access',
    );
    expect(
      lines.some((l) =>
        l.includes(
          'Design review of `design/DESIGN_SPEC.md` r1: 🔁 Changes requested: Interfaces are incomplete. (+2 inline)',
        ),
      ),
    ).toBe(true);
    expect(
      lines.some((l) =>
        l.includes('💬 Clarification to ProjectManager: How is reproducibility measured? → ProjectManager (scripted)'),
      ),
    ).toBe(true);
    // The /clarify command's clarification is not listed twice.
    expect(lines.filter((l) => l.includes('Why Parquet'))).toHaveLength(1);
    expect(lines.at(-1)).toContain('2026-11-24 08:30 UTC · discord');
  });

  it('keeps only the last 20 interactions', () => {
    const s = buildSnapshot();
    for (let i = 0; i < 30; i += 1) {
      const ts = `2026-11-26T09:${String(i).padStart(2, '0')}:00Z`;
      s.commands.push({
        command_id: `cmd-x${i}`,
        cmd: '/status',
        target: null,
        args: '',
        user: 'Human',
        source: 'ui',
        timestamp: ts,
      });
    }
    expect(interactions(s)[0]?.line()).toContain('2026-11-26 09:29 UTC');
    const lines = section(renderDetail(s), '## Recent Human Interactions')
      .split('\n')
      .filter((l) => l.startsWith('- '));
    expect(lines).toHaveLength(20);
    expect(lines.at(-1)).toContain('09:10 UTC');
    expect(lines.at(-1)).toContain('_no response yet_');
  });
});

describe('docs/PROJECT_VARIATIONS.md', () => {
  it('writes the seed entry block for a pending high-impact variation', () => {
    expect(renderVariations(buildSnapshot())).toContain(
      [
        '## Variation #1 — Switch bar storage to DuckDB',
        '**Proposed by:** Implementer-2  ',
        '**Impact:** High (architecture, dependencies)  ',
        '**Rationale:** CSV loading dominates backtest runtime; DuckDB gives columnar scans.  ',
        '**Decision:** Pending human review  ',
        '**Reviewed by:** Pending human review',
      ].join('\n'),
    );
  });

  it('writes the decision and reviewer once decided, like the seed example', () => {
    const s = buildSnapshot();
    Object.assign(s.variations[0]!, {
      number: 3,
      title: 'Switch Optimizer Engine',
      proposed_by: 'Implementer',
      rationale: 'Optuna runtime issues; trialing Nevergrad backend.',
      status: 'approved_with_conditions',
      decision_comment: 'pending benchmark parity tests',
      reviewed_by: 'Human',
      decided_at: '2025-10-29T09:10:00Z',
    });
    expect(renderVariations(s)).toContain(
      [
        '## Variation #3 — Switch Optimizer Engine',
        '**Proposed by:** Implementer (scripted)  ',
        '**Impact:** High (architecture, dependencies)  ',
        '**Rationale:** Optuna runtime issues; trialing Nevergrad backend.  ',
        '**Decision:** Conditional approval: pending benchmark parity tests.  ',
        '**Reviewed by:** Human, 2025-10-29',
      ].join('\n'),
    );
  });

  it('says so when there are no variations', () => {
    const s = buildSnapshot();
    s.variations = [];
    expect(renderVariations(s)).toContain('_No variations proposed yet._');
  });
});

describe('CHANGELOG.md', () => {
  it('groups the current phase under Unreleased with documents, variations and merges', () => {
    const log = renderChangelog(buildSnapshot());
    expect(log).toContain('## [Unreleased] — Phase 1 – Backtester Loop');
    expect(log).toContain(
      '- 2026-11-24 — Revised `design/DESIGN_SPEC.md` to r2 (Designer, scripted): Defined the RunConfig schema (line 12 comment).',
    );
    expect(log).toContain('- 2026-11-25 — Merged `phase1/implementer` → `develop` `cccc333` (qa_gate, System)');
    expect(log).toContain(
      'Variation #2 Vendor a small CSV fixture, proposed by Tester (scripted) (impact low): accepted by policy by Policy',
    );
    expect(log).not.toContain('Variation #1');
    expect(log).not.toContain('create phase1/implementer');
  });

  it('moves a promoted phase under its tag and opens the next one', () => {
    const s = buildSnapshot();
    s.promotions.push({ phase: 1, tag: 'v0.1.0', commit: 'dddd4445555', next_phase: 2, at: '2026-11-26T12:00:00Z' });
    s.gitActions.push(
      {
        id: 'g4',
        action: 'merge',
        source: 'develop',
        target: 'main',
        trigger: 'human_approval',
        timestamp: '2026-11-26T11:59:00Z',
        actor: 'System',
        commit: 'dddd4445555',
        previous: null,
        message: 'Promote phase 1',
        files: [],
      },
      {
        id: 'g5',
        action: 'tag',
        source: 'main',
        target: 'v0.1.0',
        trigger: 'human_approval',
        timestamp: '2026-11-26T12:00:00Z',
        actor: 'System',
        commit: 'eeee666',
        previous: null,
        message: 'Phase 1',
        files: [],
      },
    );
    s.phase = 2;
    const log = renderChangelog(s);
    expect(log.indexOf('## [Unreleased] — Phase 2 – Optimizer Pipeline')).toBeLessThan(
      log.indexOf('## [v0.1.0] — 2026-11-26 — Phase 1 – Backtester Loop'),
    );
    const phase1 = log.slice(log.indexOf('## [v0.1.0]'));
    expect(phase1).toContain(
      'Promoted Phase 1 – Backtester Loop as `v0.1.0` at `dddd444` (next: Phase 2 – Optimizer Pipeline)',
    );
    expect(phase1).toContain('Tagged `v0.1.0` `eeee666`');
    expect(phase1).toContain('Merged `develop` → `main`');
  });
});
