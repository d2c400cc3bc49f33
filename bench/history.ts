import type { NewEvent } from '../shared/events.ts';
import type { Ledger } from '../electron/core/store/ledger.ts';
import { fillEvent } from './big-ledger.ts';

/**
 * A year of history, as a project that is used every day collects it, in a deterministic mix: out of
 * every 20 events, two `/status` commands and their answers, two handoffs, two concerns raised and two
 * resolved (the ones of the round before, so only a handful are ever open, one in ten critical), and
 * filler (alerts, usage, agent status, test output); every 50th round a review is requested, decided and
 * acted on. So 1M events hold 100k commands, 100k responses, 100k handoffs, 100k concerns and 1,000
 * reviews (a review is a human's decision: a thousand in a year is a busy year).
 */
const ROUND = 20;
const REVIEW_EVERY = 50;

const pad = (n: number, w: number) => String(n).padStart(w, '0');

const STATUS_TEXT =
  '📊 System Status\nPhase: Phase 1 – Backtester Loop\nStage: build (iteration 1)\nAgents Active: ' +
  'Implementer (scripted), Tester (scripted)\nTasks: 3 / 5 Complete\nOpen Concerns: 1 (0 ' +
  'critical)\nPending Reviews: 1\nLast Update: 2026-11-25 08:14\nSpend: $0.00';

interface Counters {
  commands: number;
  responses: number;
  handoffs: number;
  concerns: number;
  reviews: number;
}

function counters(ledger: Ledger): Counters {
  const n = (table: string) => ledger.db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).get()?.n ?? 0;
  return {
    commands: n('commands'),
    responses: n('responses'),
    handoffs: n('handoffs'),
    concerns: n('concerns'),
    reviews: n('reviews'),
  };
}

/** The k-th event of the history (k counts from 0 for this fill), given the ids handed out so far. */
function historyEvent(k: number, c: Counters, ts: string, phase: number): NewEvent {
  // `k` counts from the first event of this fill's first call, so `k < ROUND` is the very first round.
  const day = ts.slice(0, 10).replaceAll('-', '');
  const slot = k % ROUND;
  switch (slot) {
    case 0:
    case 2: {
      c.commands += 1;
      return {
        type: 'command.received',
        actor: 'Human',
        payload: {
          command_id: `cmd_${day}_${pad(c.commands, 3)}`,
          cmd: '/status',
          target: null,
          args: '',
          user: 'Human',
          source: slot === 0 ? 'discord' : 'ui',
          timestamp: ts,
        },
      };
    }
    case 1:
    case 3: {
      c.responses += 1;
      return {
        type: 'response.sent',
        actor: 'System',
        payload: {
          id: `resp_${pad(c.responses, 4)}`,
          command_id: `cmd_${day}_${pad(c.commands, 3)}`,
          from: 'System',
          to: 'Human',
          response: STATUS_TEXT,
          ok: true,
          responded_at: ts,
        },
      };
    }
    case 4:
    case 5: {
      c.handoffs += 1;
      const from = slot === 4 ? 'Implementer' : 'Tester';
      return {
        type: 'handoff.recorded',
        actor: from,
        payload: {
          id: `handoff_${day}_${pad(c.handoffs, 3)}`,
          phase,
          from,
          to: slot === 4 ? 'Tester' : 'ProjectManager',
          purpose: `T${k % 50} complete: history task ${k}`,
          inputs: ['src/engine.js', 'src/data.js'],
          outputs: [`phase${phase}/${from.toLowerCase()}`],
          summary: `history handoff ${k}: the task is done and its tests pass`,
          status: 'delivered',
          timestamp: ts,
          concerns_opened: 0,
          concerns_closed: 0,
          last_concern_id: null,
          has_critical_concerns: false,
        },
      };
    }
    case 6:
    case 7: {
      c.concerns += 1;
      const severity = c.concerns % 10 === 0 ? 'critical' : c.concerns % 2 === 0 ? 'warning' : 'info';
      return {
        type: 'concern.raised',
        actor: 'Implementer',
        payload: {
          id: `concern_${pad(c.concerns, 4)}`,
          phase,
          from: 'Implementer',
          to: 'Designer',
          severity,
          category: 'design_gap',
          summary: `history concern ${k}: the adapter contract is unclear`,
          details: `raised while working on history task ${k}`,
          timestamp: ts,
          status: 'open',
          discord_message_id: null,
          assigned_to: null,
          response: null,
          resolution: null,
          escalations: [],
          updated_at: ts,
        },
      };
    }
    case 8:
    case 9: {
      // The concerns of the round before; the first round has none yet, so it adds an alert instead.
      const id = c.concerns - (slot === 8 ? 3 : 2);
      if (k < ROUND) return fillEvent(k);
      return {
        type: 'concern.resolved',
        actor: 'Designer',
        payload: { concern_id: `concern_${pad(id, 4)}`, by: 'Designer', note: 'clarified in the design spec' },
      };
    }
    case 10: {
      if (Math.floor(k / ROUND) % REVIEW_EVERY !== 0) return fillEvent(k);
      c.reviews += 1;
      return {
        type: 'review.requested',
        actor: 'Implementer',
        payload: {
          id: `review_${pad(c.reviews, 4)}`,
          kind: 'variation',
          phase,
          title: `Variation — history ${k}`,
          requested_by: 'Implementer',
          requested_at: ts,
          impact: 'high',
          subject: { path: 'docs/PROJECT_VARIATIONS.md', revision: 1 },
          context: [],
          handoff_id: null,
          variation_id: null,
          follows: null,
          summary: 'a high-impact change',
          status: 'pending',
          decision: null,
        },
      };
    }
    case 11:
      if (Math.floor(k / ROUND) % REVIEW_EVERY !== 0) return fillEvent(k);
      return {
        type: 'review.decided',
        actor: 'Human',
        payload: {
          review_id: `review_${pad(c.reviews, 4)}`,
          decision: {
            reviewed_by: 'Human',
            decision: 'reject',
            comment: 'not in this phase',
            inline: [],
            timestamp: ts,
            source: 'discord',
          },
        },
      };
    case 12:
      if (Math.floor(k / ROUND) % REVIEW_EVERY !== 0) return fillEvent(k);
      return {
        type: 'review.followed_up',
        actor: 'ProjectManager',
        payload: { review_id: `review_${pad(c.reviews, 4)}`, outcome: 'rejected' },
      };
    default:
      return fillEvent(k);
  }
}

/** Append `n` events of history to an initialised project ledger, in batches of 1,000. */
export function fillHistory(ledger: Ledger, n: number, opts: { phase?: number; from?: number } = {}): void {
  const c = counters(ledger);
  const ts = new Date().toISOString();
  const from = opts.from ?? 0;
  for (let i = 0; i < n; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, n - i) }, (_, j) =>
      historyEvent(from + i + j, c, ts, opts.phase ?? 1),
    );
    ledger.append(batch);
  }
}
