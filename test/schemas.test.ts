import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  AgentName,
  Command,
  Concern,
  Handoff,
  PoliciesFile,
  RuntimeRef,
  agentSlug,
  decisionNeedsComment,
  roleOf,
} from '../shared/index.ts';

describe('domain schemas', () => {
  it('names agents as the seed does, with numbered implementers', () => {
    for (const ok of ['ProjectManager', 'Designer', 'Implementer', 'Implementer-2', 'Tester'])
      expect(AgentName.safeParse(ok).success, ok).toBe(true);
    for (const bad of ['Optimizer', 'implementer', 'Implementer-1', 'Implementer-0', 'Human'])
      expect(AgentName.safeParse(bad).success, bad).toBe(false);
    expect(roleOf('Implementer-3')).toBe('Implementer');
    expect(agentSlug('ProjectManager')).toBe('pm');
    expect(agentSlug('Implementer-2')).toBe('implementer-2');
  });

  it('accepts the seed handoff record and rejects one without its concern summary fields', () => {
    const seed = {
      id: 'handoff_20251029_004',
      phase: 1,
      from: 'Tester',
      to: 'Human',
      purpose: 'Validate Testing Completion',
      inputs: ['tests/TEST_RESULTS.md', 'tests/TEST_RESULTS_DETAIL.md'],
      outputs: ['docs/PROJECT_DETAIL.md'],
      summary: 'All unit/integration tests passed. Coverage 86%. Two minor warnings.',
      status: 'awaiting_approval',
      timestamp: '2025-10-29T08:14:00Z',
      concerns_opened: 3,
      concerns_closed: 2,
      last_concern_id: 'concern_0372',
      has_critical_concerns: true,
    };
    expect(Handoff.parse(seed)).toEqual(seed);
    const { concerns_opened: _, ...missing } = seed;
    expect(Handoff.safeParse(missing).success).toBe(false);
    expect(Handoff.safeParse({ ...seed, status: 'lgtm' }).success).toBe(false);
  });

  it('accepts the seed concern object and bounds its severity', () => {
    const seed = {
      id: 'concern_0372',
      phase: 1,
      from: 'Tester',
      to: 'ProjectManager',
      severity: 'warning',
      category: 'test_failure',
      summary: 'Regression tests failing after data loader change',
      details: '3 of 14 unit tests fail; likely due to new API mismatch.',
      timestamp: '2025-10-29T10:02:00Z',
      status: 'open',
      discord_message_id: null,
      assigned_to: null,
      response: null,
      resolution: null,
      escalations: [],
      updated_at: '2025-10-29T10:02:00Z',
    };
    expect(Concern.parse(seed)).toEqual(seed);
    expect(Concern.safeParse({ ...seed, severity: 'panic' }).success).toBe(false);
    expect(Concern.safeParse({ ...seed, category: 'Test Failure' }).success).toBe(false);
  });

  it('records commands in the seed shape', () => {
    expect(
      Command.safeParse({
        command_id: 'cmd_20251029_001',
        cmd: '/clarify',
        target: 'Designer',
        args: 'Interface mismatch in StrategySpec',
        user: 'Human',
        source: 'discord',
        timestamp: '2025-10-29T10:55:00Z',
      }).success,
    ).toBe(true);
    expect(
      Command.safeParse({
        command_id: 'x',
        cmd: '/deploy',
        target: null,
        args: '',
        user: 'Human',
        source: 'cli',
        timestamp: 't',
      }).success,
    ).toBe(false);
  });

  it('parses the seed policy file exactly as written', () => {
    const seed = parseYaml(`merge_policy:
  auto_merge_if:
    - all_tests_passed: true
    - coverage_min: 80
    - drift_max_percent: 2
  require_human_if:
    - impact: high
    - gate_fail: true
    - phase_promotion: true

promotion_policy:
  e2e_tests_required: true
  reproducibility_min: 95
  docs_required: [PROJECT_OVERVIEW.md, TEST_RESULTS.md, QA_REPORT.md]
`);
    const p = PoliciesFile.parse(seed);
    expect(p.merge_policy.auto_merge_if).toEqual([
      { all_tests_passed: true },
      { coverage_min: 80 },
      { drift_max_percent: 2 },
    ]);
    expect(p.promotion_policy.docs_required).toEqual(['PROJECT_OVERVIEW.md', 'TEST_RESULTS.md', 'QA_REPORT.md']);
    expect(
      PoliciesFile.safeParse({
        ...seed,
        merge_policy: { auto_merge_if: [{ coverage_min: 80, all_tests_passed: true }] },
      }).success,
    ).toBe(false);
  });

  it('knows the runtimes a role may use', () => {
    for (const ok of [
      'scripted',
      'anthropic:claude-sonnet-4-5',
      'openai:gpt-5',
      'ollama:qwen2.5-coder',
      'openai-compatible:meta/llama-3.1',
    ])
      expect(RuntimeRef.safeParse(ok).success, ok).toBe(true);
    for (const bad of ['gpt-5', 'azure:gpt', 'scripted:x']) expect(RuntimeRef.safeParse(bad).success, bad).toBe(false);
  });

  it('asks for a comment exactly where a decision needs one', () => {
    expect(decisionNeedsComment('approve')).toBe(false);
    expect(decisionNeedsComment('defer')).toBe(false);
    expect(decisionNeedsComment('request_changes')).toBe(true);
    expect(decisionNeedsComment('reject')).toBe(true);
  });
});
