import { describe, expect, it } from 'vitest';
import type { Command, GitAction } from '../shared/index.ts';
import {
  handoffPath,
  handoffRecord,
  jsonlLine,
  renderAll,
  renderJsonl,
} from '../electron/core/artifacts/render/index.ts';
import { buildSnapshot } from './support/snapshot-fixture.ts';

const SEED_ORDER = [
  'from',
  'to',
  'purpose',
  'inputs',
  'outputs',
  'summary',
  'status',
  'timestamp',
  'concerns_opened',
  'concerns_closed',
  'last_concern_id',
  'has_critical_concerns',
  'id',
  'phase',
];

describe('handoff records (audit/handoffs/phase-<N>.jsonl)', () => {
  it('keeps the seed field order, adds impact only when present and id, phase last', () => {
    const s = buildSnapshot();
    const plain = handoffRecord(s.handoffs.find((h) => h.impact === undefined) ?? s.handoffs[0]!);
    expect(Object.keys(plain)).toEqual(SEED_ORDER);
    const variation = handoffRecord(s.handoffs.find((h) => h.impact !== undefined) ?? s.handoffs[0]!);
    expect(Object.keys(variation)).toEqual([...SEED_ORDER.slice(0, 7), 'impact', ...SEED_ORDER.slice(7)]);
    expect(variation.impact).toBe('high');
    expect(variation.status).toBe('awaiting_review');
  });

  it('files them one phase per file, and not among the rendered documents', () => {
    expect(handoffPath(3)).toBe('audit/handoffs/phase-3.jsonl');
    expect([...renderAll(buildSnapshot()).keys()].some((p) => p.startsWith('audit/'))).toBe(false);
  });
});

describe('jsonl records', () => {
  const command: Command = {
    source: 'discord',
    timestamp: '2025-10-29T10:55:00Z',
    user: 'Human',
    args: 'Interface mismatch in StrategySpec',
    target: 'Designer',
    cmd: '/clarify',
    command_id: 'cmd_20251029_001',
  };

  it('writes one line in the seed key order, whatever order the record was built in', () => {
    const line = jsonlLine('commands', command);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(Object.keys(JSON.parse(line) as object)).toEqual([
      'command_id',
      'cmd',
      'target',
      'args',
      'user',
      'timestamp',
      'source',
    ]);
  });

  it('orders concerns, responses and git actions with the seed fields first', () => {
    const s = buildSnapshot();
    const concern = JSON.parse(jsonlLine('concerns', s.concerns[1]!)) as Record<string, unknown>;
    expect(Object.keys(concern).slice(0, 10)).toEqual([
      'id',
      'from',
      'to',
      'severity',
      'category',
      'summary',
      'details',
      'timestamp',
      'status',
      'discord_message_id',
    ]);
    expect(concern.escalations).toEqual(s.concerns[1]!.escalations);

    const response = JSON.parse(jsonlLine('responses', s.responses[1]!)) as Record<string, unknown>;
    expect(Object.keys(response).slice(0, 5)).toEqual(['command_id', 'from', 'to', 'response', 'responded_at']);

    const git: GitAction = s.gitActions[2]!;
    const record = JSON.parse(jsonlLine('git_actions', git)) as Record<string, unknown>;
    expect(Object.keys(record).slice(0, 5)).toEqual(['action', 'source', 'target', 'trigger', 'timestamp']);
    expect(record).toMatchObject({
      action: 'merge',
      source: 'phase1/implementer',
      target: 'develop',
      trigger: 'qa_gate',
    });
  });

  it('keeps unknown keys, sorted, after the known ones', () => {
    const grown = { ...command, zeta: 1, alpha: 2 } as Command;
    expect(Object.keys(JSON.parse(jsonlLine('commands', grown)) as object).slice(-2)).toEqual(['alpha', 'zeta']);
  });

  it('rebuilds a whole file as the concatenation of its lines', () => {
    const s = buildSnapshot();
    const file = renderJsonl('commands', s.commands);
    expect(file.split('\n')).toHaveLength(s.commands.length + 1);
    expect(file).toBe(s.commands.map((c) => jsonlLine('commands', c)).join(''));
  });
});
