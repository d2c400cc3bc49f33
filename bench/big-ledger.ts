import type { Ledger } from '../electron/core/store/ledger.ts';
import { openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import type { NewEvent } from '../shared/events.ts';
import { driveSampleThroughGate } from '../test/support/drive-sample.ts';

/**
 * The big ledgers of the benches and the scale e2e: one deterministic mix of events, so a test can
 * say which event sits at a given seq, and filters by type, agent and phase have something to find.
 * Out of every ten events: seven alerts from the System, one usage record and one status change from
 * an agent, one QA output line from the Tester. Usage costs nothing, so no budget trips.
 */
export const FILL_AGENTS = ['ProjectManager', 'Designer', 'Implementer', 'Tester'] as const;
/** Phases 1..FILL_PHASES appear in the payloads that carry a phase. */
export const FILL_PHASES = 3;

export function fillEvent(k: number): NewEvent {
  const round = Math.floor(k / 10);
  const agent = FILL_AGENTS[round % FILL_AGENTS.length] ?? 'Designer';
  const phase = 1 + (round % FILL_PHASES);
  switch (k % 10) {
    case 7:
      return {
        type: 'agent.usage_recorded',
        actor: agent,
        payload: {
          agent,
          phase,
          model: 'bench-model',
          purpose: `bench call ${k}`,
          input_tokens: 10,
          output_tokens: 5,
          cost_usd: 0,
          priced: false,
        },
      };
    case 8:
      return { type: 'agent.status_changed', actor: agent, payload: { agent, status: 'idle', task: null } };
    case 9:
      return {
        type: 'qa.output_logged',
        actor: 'Tester',
        payload: { phase, test: `test_${k}`, attempt: 1, lines: [`output of fill event ${k}`] },
      };
    default:
      return {
        type: 'alert.raised',
        actor: 'System',
        payload: { severity: 'info', summary: `alert ${k}`, details: `details of alert number ${k}` },
      };
  }
}

/** Append fill events `from`..`from + n - 1` in batches; returns the seq of fill event `from`. */
export function fillLedger(ledger: Ledger, n: number, from = 0, batch = 5000): number {
  const first = ledger.count() + 1;
  for (let i = 0; i < n; i += batch)
    ledger.append(Array.from({ length: Math.min(batch, n - i) }, (_, k) => fillEvent(from + i + k)));
  return first;
}

/**
 * A sample project (git repo, config files, initialised ledger) whose ledger then gets `n` fill events,
 * appended directly (the ledger bench measures append speed; this only needs the data), with its exported
 * files brought up to date as the engine would, so "verify chain" checks them too. Fill event k is at
 * `firstSeq + k`. With `history`, the sample is first taken through its QA gate by the engine.
 */
export async function bigProject(
  dir: string,
  n: number,
  opts: { history?: boolean } = {},
): Promise<{ firstSeq: number; total: number }> {
  await initProject(dir, { sample: true });
  const p = await openProject(dir);
  try {
    // Real history first (decided reviews, a resolved concern, a green gate, a pending completion review),
    // so every view has something of its own to show above the fill.
    if (opts.history) await driveSampleThroughGate(p, '0 means flat');
    const firstSeq = fillLedger(p.ledger, n);
    await p.exporter.sync();
    return { firstSeq, total: p.ledger.count() };
  } finally {
    p.close();
  }
}
