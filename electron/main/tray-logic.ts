/**
 * What the tray shows and offers, as plain data. `tray.ts` turns it into an Electron Tray and Menu; the
 * decisions (what counts as needing attention, what the labels say) live here where tests can reach them.
 */

/** The slice of the status snapshot the tray needs; null before a project is open. */
export interface TrayStatus {
  name: string;
  phase: number;
  phase_name: string;
  stage: string;
  pending_reviews: number;
  critical_concerns: number;
  loop: { running: boolean };
}

export type TrayIcon = 'tray' | 'tray-attention';
export type TrayAction = 'open' | 'status' | 'pause-all' | 'resume-all' | 'quit';
export type TrayMenuItem = { kind: 'action'; id: TrayAction; label: string; enabled: boolean } | { kind: 'separator' };

export interface TrayView {
  /** Text beside the icon (macOS menu bar only): the number of reviews waiting, or nothing. */
  title: string;
  tooltip: string;
  icon: TrayIcon;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Counts beyond two digits stop being read; the menu bar has no room for them either. */
export function badge(n: number): string {
  if (!Number.isFinite(n) || n <= 0) return '';
  return n > 99 ? '99+' : String(Math.floor(n));
}

/** What is waiting on the human, in words; empty when nothing is. */
function waiting(s: TrayStatus): string[] {
  const out: string[] = [];
  if (s.pending_reviews > 0) out.push(`${plural(s.pending_reviews, 'review', 'reviews')} waiting`);
  if (s.critical_concerns > 0) out.push(plural(s.critical_concerns, 'critical concern', 'critical concerns'));
  return out;
}

/** The icon turns to its attention variant exactly when something needs the human: a review or a critical concern. */
export function trayView(s: TrayStatus | null): TrayView {
  if (!s) return { title: '', tooltip: 'Governor: no project open', icon: 'tray' };
  const w = waiting(s);
  return {
    title: badge(s.pending_reviews),
    tooltip: `Governor: ${s.name}\n${w.length > 0 ? w.join(', ') : 'nothing waiting on you'}`,
    icon: w.length > 0 ? 'tray-attention' : 'tray',
  };
}

/** One line of status for the menu: where the project is, and whether the agents are working. */
export function statusLine(s: TrayStatus | null): string {
  if (!s) return 'No project open';
  const w = waiting(s);
  return (
    `${s.phase_name} · ` +
    `${s.stage}${s.loop.running ? ' · agents working' : ''}${w.length > 0 ? ` · ${w.join(', ')}` : ''}`
  );
}

/**
 * The tray menu: open, status, pause all, resume all, quit. "Status" opens the dashboard (its label is the
 * status itself); pausing and resuming need an open project, so they are disabled without one.
 */
export function trayMenu(s: TrayStatus | null): TrayMenuItem[] {
  const open = s !== null;
  return [
    { kind: 'action', id: 'open', label: 'Open Governor', enabled: true },
    { kind: 'action', id: 'status', label: statusLine(s), enabled: open },
    { kind: 'separator' },
    { kind: 'action', id: 'pause-all', label: 'Pause all agents', enabled: open },
    { kind: 'action', id: 'resume-all', label: 'Resume all agents', enabled: open },
    { kind: 'separator' },
    { kind: 'action', id: 'quit', label: 'Quit Governor', enabled: true },
  ];
}

/** The human command each agent action maps to: the tray goes through the same grammar as the console. */
export const TRAY_COMMANDS: Partial<Record<TrayAction, string>> = {
  'pause-all': '/pause all',
  'resume-all': '/resume all',
};

/**
 * The image file for an icon. The 16 px file is named plainly and its 32 px twin `@2x`, so Electron's
 * nativeImage picks the sharp one on high-density screens by itself.
 */
export function trayIconFile(icon: TrayIcon): string {
  return `${icon}.png`;
}
