import { create } from 'zustand';
import type { CallResponse, Transport } from '../../../shared/contract.ts';
import { Response } from '../../../shared/domain/command.ts';
import { errorText } from '../../lib/error-text.ts';

export interface FollowUp {
  id: string;
  from: string;
  text: string;
  ok: boolean;
  at: string;
}

export interface ConsoleEntry {
  key: number;
  text: string;
  at: string;
  pending: boolean;
  ok: boolean;
  commandId: string | null;
  response: string;
  followUps: FollowUp[];
}

interface ConsoleState {
  entries: ConsoleEntry[];
  history: string[];
  /** Response events already placed (as the first answer or as a follow-up), by id. */
  seen: Record<string, true>;
}

/** The console's transcript lives outside the view, so switching views does not lose it. */
export const useConsoleStore = create<ConsoleState>()(() => ({ entries: [], history: [], seen: {} }));
let nextKey = 1;

const patch = (key: number, f: (e: ConsoleEntry) => ConsoleEntry) =>
  useConsoleStore.setState((s) => ({ entries: s.entries.map((e) => (e.key === key ? f(e) : e)) }));

export function runCommand(conn: Transport, text: string): void {
  const key = nextKey++;
  const entry: ConsoleEntry = {
    key,
    text,
    at: new Date().toISOString(),
    pending: true,
    ok: true,
    commandId: null,
    response: '',
    followUps: [],
  };
  useConsoleStore.setState((s) => ({
    entries: [...s.entries, entry],
    history: [...s.history.filter((h) => h !== text), text].slice(-100),
  }));
  conn.call('commands.run', { text }).then(
    (r) => {
      patch(key, (e) => ({ ...e, pending: false, ok: r.ok, commandId: r.command_id, response: r.response }));
      void syncResponses(conn);
    },
    (err: unknown) => patch(key, (e) => ({ ...e, pending: false, ok: false, response: `Not run: ${errorText(err)}` })),
  );
}

/**
 * Later answers to a command (a /clarify reply, say) arrive as `response.sent` events carrying its
 * command_id; the first answer with the same text as the immediate one is that one, the rest thread under it.
 */
export async function syncResponses(conn: Transport): Promise<void> {
  const withIds = useConsoleStore.getState().entries.filter((e) => e.commandId !== null);
  if (withIds.length === 0) return;
  let page: CallResponse<'ledger.page'>;
  try {
    page = await conn.call('ledger.page', { limit: 200, types: ['response.sent'] });
  } catch {
    return;
  }
  const events = [...page.events].sort((a, b) => a.seq - b.seq);
  const state = useConsoleStore.getState();
  const seen = { ...state.seen };
  const entries = state.entries.map((entry) => {
    if (!entry.commandId) return entry;
    const added: FollowUp[] = [];
    let skippedFirst = entry.followUps.length > 0;
    for (const ev of events) {
      const parsed = Response.safeParse(ev.payload);
      if (!parsed.success || parsed.data.command_id !== entry.commandId) continue;
      if (seen[parsed.data.id]) {
        skippedFirst = true;
        continue;
      }
      seen[parsed.data.id] = true;
      if (!skippedFirst && parsed.data.response === entry.response) {
        skippedFirst = true;
        continue;
      }
      skippedFirst = true;
      added.push({
        id: parsed.data.id,
        from: parsed.data.from,
        text: parsed.data.response,
        ok: parsed.data.ok,
        at: parsed.data.responded_at,
      });
    }
    return added.length > 0 ? { ...entry, followUps: [...entry.followUps, ...added] } : entry;
  });
  useConsoleStore.setState({ entries, seen });
}

export function clearConsole(): void {
  useConsoleStore.setState({ entries: [] });
}
