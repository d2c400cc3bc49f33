import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApi, createLoopRunner, dispatch } from '../electron/core/api.ts';
import { loadPrices } from '../electron/core/agents/llm/pricing.ts';
import { type OpenedProject, openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { recordUsage } from '../electron/core/workflow/usage.ts';
import { tempDir } from './support/tmp.ts';

/** `usage.summary`, the dashboard's spend card, on a real sample project whose usage goes through `recordUsage`. */
describe('usage.summary', () => {
  let p: OpenedProject | null = null;
  afterEach(() => p?.close());

  async function open(budgets: string | null) {
    const dir = join(tempDir(), 'backtester');
    await initProject(dir, { sample: true });
    if (budgets) appendFileSync(join(dir, '.project_policies.yaml'), `\n${budgets}`);
    p = await openProject(dir);
    const api = createApi(
      p,
      createLoopRunner(p, () => {}),
      { user: 'Human', source: 'ui' },
    );
    return { p, summary: () => dispatch(api, 'usage.summary', {}) };
  }

  it('is all zeros with no budget before any model call', async () => {
    const { summary } = await open(null);
    const s = await summary();
    expect(s.phase).toBe(1);
    expect(s.total).toEqual({ usd: 0, tokens: 0 });
    expect(s.phase_total).toEqual({ usd: 0, tokens: 0, budget: null });
    expect(s.agents.map((a) => a.agent)).toEqual([
      'ProjectManager',
      'Designer',
      'Implementer',
      'Implementer-2',
      'Tester',
    ]);
    expect(s.agents.every((a) => a.usd === 0 && a.tokens === 0 && a.budget === null)).toBe(true);
  });

  it('adds up tokens and cost per agent and in total, beside the budgets the policy sets', async () => {
    const { p, summary } = await open(
      'budgets:\n  per_phase: { usd: 2 }\n  per_agent:\n    ProjectManager: { usd: 0.5, tokens: 100000 }\n    Tester: { tokens: 5000 }\n',
    );
    const prices = loadPrices(p.dir);
    // claude-sonnet-4-5 costs $3 in / $15 out per million tokens: 0.3 + 0.15 = $0.45.
    recordUsage(p, prices, 'ProjectManager', 'anthropic:claude-sonnet-4-5', 'plan', { input: 100_000, output: 10_000 });
    recordUsage(p, prices, 'Designer', 'anthropic:claude-sonnet-4-5', 'design', { input: 10_000, output: 2_000 });
    const s = await summary();
    const pm = s.agents.find((a) => a.agent === 'ProjectManager');
    const designer = s.agents.find((a) => a.agent === 'Designer');
    expect(pm).toMatchObject({ tokens: 110_000, phase_tokens: 110_000, budget: { usd: 0.5, tokens: 100_000 } });
    expect(pm?.usd).toBeCloseTo(0.45, 6);
    expect(pm?.phase_usd).toBeCloseTo(0.45, 6);
    expect(designer).toMatchObject({ tokens: 12_000, budget: null });
    expect(designer?.usd).toBeCloseTo(0.06, 6);
    expect(s.agents.find((a) => a.agent === 'Tester')).toMatchObject({ tokens: 0, budget: { tokens: 5000 } });
    expect(s.total.tokens).toBe(122_000);
    expect(s.total.usd).toBeCloseTo(0.51, 6);
    expect(s.phase_total).toMatchObject({ tokens: 122_000, budget: { usd: 2 } });
    // The PM crossed its token budget: the same figures the card shows raised the concern that pauses it.
    expect(
      p.read
        .openConcerns()
        .some((c) => c.category === 'budget' && c.summary.includes('ProjectManager used 110000 of its 100000 tokens')),
    ).toBe(true);
  });
});
