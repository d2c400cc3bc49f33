import type Database from 'better-sqlite3';
import type { DiscordRefusal } from '../../../shared/contract.ts';
import { decodeTs } from '../store/chain.ts';

type Refusal = DiscordRefusal;

/**
 * Attempts from people not on the reviewer allowlist, from the ledger (`discord.interaction_refused`):
 * recorded when refused, and shown to the human in Settings → Discord, `governor discord status` and the
 * daily status, so a stranger pressing buttons is seen, not only stopped.
 */
export function refusals(db: Database.Database, now: Date = new Date()): { latest: Refusal[]; last24h: number } {
  // Newest first: the ten latest, and the count back to 24 h ago, then stop (a bounded walk of one type's
  // index). The ledger stores most timestamps as integer milliseconds (chain.ts): decoded, never compared raw.
  const since = now.getTime() - 86_400_000;
  const latest: Refusal[] = [];
  let last24h = 0;
  const rows = db.prepare<[], { ts: number | string; payload: string }>(
    "SELECT ts, payload FROM events WHERE type = 'discord.interaction_refused' ORDER BY seq DESC",
  );
  for (const r of rows.iterate()) {
    const at = decodeTs(r.ts);
    const recent = Date.parse(at) >= since;
    if (recent) last24h += 1;
    if (latest.length < 10) {
      const x = JSON.parse(r.payload) as { user_name?: string; user_id?: string; name?: string };
      latest.push({ user: x.user_name ?? 'someone', user_id: x.user_id ?? '', at, what: x.name ?? '' });
    } else if (!recent) break;
  }
  return { latest, last24h };
}
