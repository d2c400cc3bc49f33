import type Database from 'better-sqlite3';
import type { DiscordRefusal } from '../../../shared/contract.ts';

type Refusal = DiscordRefusal;

/**
 * Attempts from people not on the reviewer allowlist, from the ledger (`discord.interaction_refused`):
 * recorded when refused, and shown to the human in Settings → Discord, `governor discord status` and the
 * daily status, so a stranger pressing buttons is seen, not only stopped.
 */
export function refusals(db: Database.Database, now: Date = new Date()): { latest: Refusal[]; last24h: number } {
  const rows = db
    .prepare<[], { ts: string; payload: string }>("SELECT ts, payload FROM events WHERE type = 'discord.interaction_refused' ORDER BY seq DESC LIMIT 10")
    .all();
  const latest: DiscordRefusal[] = rows.map((r) => {
    const x = JSON.parse(r.payload) as { user_name?: string; user_id?: string; name?: string };
    return { user: x.user_name ?? 'someone', user_id: x.user_id ?? '', at: r.ts, what: x.name ?? '' };
  });
  const since = new Date(now.getTime() - 86_400_000).toISOString();
  const last24h = db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM events WHERE type = 'discord.interaction_refused' AND ts >= ?").get(since)?.n ?? 0;
  return { latest, last24h };
}

/** One line for a human: "3 refused in the last 24 h; latest: mallory (3999…) tried /approve at 2026-…". */
export function refusalLine(r: { latest: Refusal[]; last24h: number }): string | null {
  const x = r.latest[0];
  if (!x) return null;
  return `${r.last24h} refused in the last 24 h; latest: ${x.user} (${x.user_id}) tried ${x.what} at ${x.at.slice(0, 16).replace('T', ' ')} UTC`;
}
