import { formatStatusText } from '../artifacts/render/index.ts';
import type { Reader } from '../store/read.ts';
import type { Outbox } from './outbox.ts';
import { renderNotification } from './render.ts';

/** `daily:<local date>` once the local time in `timezone` has reached `at` (HH:MM) today; null before. */
export function dailyKey(now: Date, at: string, timezone: string): string | null {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  const hm = `${parts.hour}:${parts.minute}`;
  return hm >= at ? `daily:${parts.year}-${parts.month}-${parts.day}` : null;
}

/** The seed's status block plus the build (the last QA gate), as the daily post and `/status` show it. */
export function statusBlock(read: Reader): string {
  const gate = read.latestGate();
  const build = gate
    ? `Build: ${gate.green ? '✅' : '❌'} last QA gate ${gate.green ? 'green' : 'not green'} ` +
      `(phase ${gate.phase}, iteration ${gate.iteration}, ${gate.totals.passed}/${gate.totals.tests} tests passed)`
    : 'Build: no QA gate has run yet';
  return `${formatStatusText(read.statusFacts())}\n${build}`;
}

/** Enqueue today's post if it is due; the key makes a restart (or a second process) harmless. */
export function enqueueDailyIfDue(
  outbox: Outbox,
  read: Reader,
  at: string,
  timezone: string,
  now: Date = new Date(),
  refused: string | null = null,
): boolean {
  const key = dailyKey(now, at, timezone);
  if (!key || outbox.byKey(key)) return false;
  const body = [
    statusBlock(read).replace(/^📊 System Status\n/, ''),
    ...(refused ? [`Refused Discord attempts: ${refused}`] : []),
  ].join('\n');
  const message = renderNotification({
    event_id: key,
    channel: 'system-health',
    severity: 'info',
    title: `📊 Daily status — ${key.slice(6)}`,
    body,
    ref: null,
  });
  return outbox.enqueue({ key, channel: 'system-health', ref: null, message }, now);
}
