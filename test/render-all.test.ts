import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderAll } from '../electron/core/artifacts/render/index.ts';
import { buildSnapshot } from './support/snapshot-fixture.ts';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('renderAll', () => {
  it('covers every export of the seed, in a fixed order', () => {
    const paths = [...renderAll(buildSnapshot()).keys()];
    expect(paths.slice(0, 14)).toEqual([
      'REQUIREMENTS.md',
      'AGENT_TASKS.md',
      'design/DESIGN_SPEC.md',
      'design/ARCHITECTURE.md',
      'tests/TEST_PLAN.md',
      'CHANGELOG.md',
      'docs/PROJECT_OVERVIEW.md',
      'docs/PROJECT_DETAIL.md',
      'docs/PROJECT_VARIATIONS.md',
      'tests/TEST_RESULTS.md',
      'tests/TEST_RESULTS_DETAIL.md',
      'QA_REPORT.md',
      'QA_REPORT.html',
      'status.json',
    ]);
    // Handoffs are appended to audit/handoffs/phase-<N>.jsonl by the exporter, like the other audit files.
    expect(paths).toHaveLength(14);
  });

  it('is byte-identical across renders, clocks and random sources', () => {
    const first = renderAll(buildSnapshot());
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2031-01-01T00:00:00Z'));
    vi.spyOn(Math, 'random').mockReturnValue(0.42);
    const second = renderAll(buildSnapshot());
    expect([...second.entries()]).toEqual([...first.entries()]);
    expect(JSON.stringify([...first])).not.toContain('2031');
  });

  // Every model call records an agent's usage: the exporter re-renders nothing for it (render-cache.ts, SHOWN).
  it('shows no agent usage: the same files whatever the tokens, cost and time of the last usage', () => {
    const s = buildSnapshot();
    expect(s.agents.length).toBeGreaterThan(0);
    const agents = s.agents.map((a, i) => ({
      ...a,
      tokens_in: a.tokens_in + 1000 + i,
      tokens_out: a.tokens_out + 7,
      cost_usd: a.cost_usd + 0.25,
      updated_at: '2031-01-01T00:00:00.000Z',
    }));
    expect([...renderAll({ ...s, agents })]).toEqual([...renderAll(s)]);
  });

  it('does not mutate the snapshot', () => {
    const s = buildSnapshot();
    const before = JSON.stringify(s);
    renderAll(s);
    expect(JSON.stringify(s)).toBe(before);
  });

  it('ends every file with exactly one newline and renders an empty project without throwing', () => {
    const empty = {
      ...buildSnapshot(),
      stage: 'plan' as const,
      iteration: 1,
      roadmap: [],
      tasks: [],
      kpis: [],
      risks: [],
      artifacts: [],
      reviews: [],
      concerns: [],
      variations: [],
      handoffs: [],
      commands: [],
      responses: [],
      clarifications: [],
      agents: [],
      gitActions: [],
      testRuns: [],
      gates: [],
      promotions: [],
    };
    for (const s of [buildSnapshot(), empty]) {
      for (const [path, content] of renderAll(s)) {
        expect(content.endsWith('\n'), path).toBe(true);
        expect(content.endsWith('\n\n'), path).toBe(false);
      }
    }
    const files = renderAll(empty);
    expect(files.get('docs/PROJECT_DETAIL.md')).toContain('_No open concerns._');
    expect(JSON.parse(files.get('status.json') ?? '{}')).toMatchObject({
      active_agents: ['ProjectManager'],
      tasks: { complete: 0, pending: 0 },
    });
  });
});
