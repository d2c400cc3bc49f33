import { describe, expect, it } from 'vitest';
import { formatStatusText, renderAll, renderStatusJson } from '../electron/core/artifacts/render/index.ts';
import { buildSnapshot } from './support/snapshot-fixture.ts';

describe('status.json', () => {
  it('has the seed shape and key order, plus stage, pending_reviews and iteration', () => {
    const text = renderAll(buildSnapshot()).get('status.json') ?? '';
    expect(text.endsWith('}\n')).toBe(true);
    const json: unknown = JSON.parse(text);
    expect(Object.keys(json as object)).toEqual([
      'phase',
      'active_agents',
      'tasks',
      'open_concerns',
      'critical_alerts',
      'last_update',
      'stage',
      'pending_reviews',
      'iteration',
    ]);
    expect(json).toEqual({
      phase: 'Phase 1 – Backtester Loop',
      active_agents: ['Implementer-2', 'Tester'],
      tasks: { complete: 3, pending: 2 },
      open_concerns: 1,
      critical_alerts: 0,
      last_update: '2026-11-25T10:56:00Z',
      stage: 'test',
      pending_reviews: 2,
      iteration: 2,
    });
    // Two-space indentation, as the seed writes it.
    expect(text).toContain('\n  "phase": "Phase 1 – Backtester Loop",\n');
  });

  it('counts unresolved critical concerns as critical alerts', () => {
    const s = buildSnapshot();
    const open = s.concerns.find((c) => c.id === 'concern_0372');
    if (!open) throw new Error('fixture lacks concern_0372');
    open.severity = 'critical';
    s.concerns.push({ ...open, id: 'concern_0999', status: 'resolved' });
    const json = JSON.parse(renderStatusJson(s)) as { open_concerns: number; critical_alerts: number };
    expect(json.open_concerns).toBe(1);
    expect(json.critical_alerts).toBe(1);
  });

  it('falls back to the agents of the current stage when nobody is working, leaving paused agents out', () => {
    const s = buildSnapshot();
    for (const a of s.agents) a.status = 'idle';
    s.stage = 'build';
    const implementer2 = s.agents.find((a) => a.name === 'Implementer-2');
    if (!implementer2) throw new Error('fixture lacks Implementer-2');
    implementer2.status = 'paused';
    const json = JSON.parse(renderStatusJson(s)) as { active_agents: string[] };
    expect(json.active_agents).toEqual(['Implementer', 'Tester']);
  });

  it('names a phase missing from the roadmap by its number', () => {
    const s = buildSnapshot();
    s.roadmap = [];
    expect((JSON.parse(renderStatusJson(s)) as { phase: string }).phase).toBe('Phase 1');
  });
});

describe('formatStatusText', () => {
  it('is the seed /status reply, with scripted agents labelled', () => {
    expect(formatStatusText(buildSnapshot())).toBe(
      [
        '📊 System Status',
        'Phase: Phase 1 – Backtester Loop',
        'Stage: test (iteration 2)',
        'Agents Active: Implementer-2, Tester (scripted)',
        'Tasks: 3 / 5 Complete',
        'Open Concerns: 1 (0 critical)',
        'Pending Reviews: 2',
        'Last Update: 2026-11-25 10:56 UTC',
      ].join('\n'),
    );
  });

  it('follows the snapshot, not the wall clock', () => {
    const s = buildSnapshot();
    s.lastUpdate = '2025-10-29T10:56:41.123Z';
    expect(formatStatusText(s)).toContain('Last Update: 2025-10-29 10:56 UTC');
  });
});
