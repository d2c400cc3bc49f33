import { describe, expect, it } from 'vitest';
import type { Command, GitAction } from '../shared/index.ts';
import { filenameStamp, handoffPaths, jsonlLine, renderAll, renderJsonl } from '../electron/core/artifacts/render/index.ts';
import { buildSnapshot } from './support/snapshot-fixture.ts';

const SEED_ORDER = ['from', 'to', 'purpose', 'inputs', 'outputs', 'summary', 'status', 'timestamp', 'concerns_opened', 'concerns_closed', 'last_concern_id', 'has_critical_concerns', 'id', 'phase'];

describe('audit/handoff_<timestamp>.json', () => {
  it('writes one file per handoff with filename-safe, unique names even within one second', () => {
    const s = buildSnapshot();
    const paths = [...renderAll(s).keys()].filter((p) => p.startsWith('audit/handoff_'));
    expect(paths).toHaveLength(s.handoffs.length);
    expect(new Set(paths).size).toBe(paths.length);
    for (const p of paths) expect(p).toMatch(/^audit\/handoff_\d{8}T\d{6}Z_[A-Za-z0-9_-]+\.json$/);
    // Two handoffs share 2026-11-25T08:14:00Z and the first ten characters of their ULIDs.
    expect(paths).toContain('audit/handoff_20261125T081400Z_ZZ0001.json');
    expect(paths).toContain('audit/handoff_20261125T081400Z_ZZ0002.json');
  });

  it('keeps the seed field order, adds impact only when present and id, phase last', () => {
    const files = renderAll(buildSnapshot());
    const plain = JSON.parse(files.get('audit/handoff_20261124T080700Z_0A1B2C.json') ?? 'null') as Record<string, unknown>;
    expect(Object.keys(plain)).toEqual(SEED_ORDER);
    expect(plain).toMatchObject({ from: 'ProjectManager', to: 'Human', purpose: 'Project Plan Review', status: 'approved', inputs: ['REQUIREMENTS.md', 'AGENT_TASKS.md'], phase: 1 });

    const variation = JSON.parse(files.get('audit/handoff_20261125T081400Z_ZZ0002.json') ?? 'null') as Record<string, unknown>;
    expect(Object.keys(variation)).toEqual([...SEED_ORDER.slice(0, 7), 'impact', ...SEED_ORDER.slice(7)]);
    expect(variation.impact).toBe('high');
    expect(variation.status).toBe('awaiting_review');
  });

  it('falls back to the full id when the short suffix collides, without renaming the earlier file', () => {
    const s = buildSnapshot();
    const a = { ...s.handoffs[0]!, id: '01AAAAAAAAAAAAAAAAAAXYZ123', timestamp: '2026-11-25T08:14:00.500Z' };
    const b = { ...a, id: '01BBBBBBBBBBBBBBBBBBXYZ123' };
    const paths = handoffPaths([a, b]);
    expect(paths.get(a.id)).toBe('audit/handoff_20261125T081400500Z_XYZ123.json');
    expect(paths.get(b.id)).toBe('audit/handoff_20261125T081400500Z_01BBBBBBBBBBBBBBBBBBXYZ123.json');
    expect(handoffPaths([a]).get(a.id)).toBe(paths.get(a.id));
    expect(filenameStamp('2025-10-29T08:14:00Z')).toBe('20251029T081400Z');
  });
});

describe('jsonl records', () => {
  const command: Command = { source: 'discord', timestamp: '2025-10-29T10:55:00Z', user: 'Human', args: 'Interface mismatch in StrategySpec', target: 'Designer', cmd: '/clarify', command_id: 'cmd_20251029_001' };

  it('writes one line in the seed key order, whatever order the record was built in', () => {
    const line = jsonlLine('commands', command);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(Object.keys(JSON.parse(line) as object)).toEqual(['command_id', 'cmd', 'target', 'args', 'user', 'timestamp', 'source']);
  });

  it('orders concerns, responses and git actions with the seed fields first', () => {
    const s = buildSnapshot();
    const concern = JSON.parse(jsonlLine('concerns', s.concerns[1]!)) as Record<string, unknown>;
    expect(Object.keys(concern).slice(0, 10)).toEqual(['id', 'from', 'to', 'severity', 'category', 'summary', 'details', 'timestamp', 'status', 'discord_message_id']);
    expect(concern.escalations).toEqual(s.concerns[1]!.escalations);

    const response = JSON.parse(jsonlLine('responses', s.responses[1]!)) as Record<string, unknown>;
    expect(Object.keys(response).slice(0, 5)).toEqual(['command_id', 'from', 'to', 'response', 'responded_at']);

    const git: GitAction = s.gitActions[2]!;
    const record = JSON.parse(jsonlLine('git_actions', git)) as Record<string, unknown>;
    expect(Object.keys(record).slice(0, 5)).toEqual(['action', 'source', 'target', 'trigger', 'timestamp']);
    expect(record).toMatchObject({ action: 'merge', source: 'phase1/implementer', target: 'develop', trigger: 'qa_gate' });
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
