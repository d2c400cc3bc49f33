import type { DiscordRefusal } from './contract.ts';

/**
 * One line for a human about attempts from people not on the reviewer allowlist:
 * "3 refused in the last 24 h; latest: mallory (3999…) tried /approve at 2026-… UTC". One wording for the
 * daily Discord status, `governor discord status` and Settings → Discord.
 */
export function refusalLine(r: { latest: readonly DiscordRefusal[]; last24h: number }): string | null {
  const x = r.latest[0];
  if (!x) return null;
  const at = `${x.at.slice(0, 16).replace('T', ' ')} UTC`;
  return `${r.last24h} refused in the last 24 h; latest: ${x.user} (${x.user_id}) tried ${x.what} at ${at}`;
}
