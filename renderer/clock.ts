import { useEffect, useState } from 'react';

/**
 * The current time, re-read every `everyMs`, so ages like "4 min ago" stay true on a screen left open.
 * This re-renders locally; it never asks the engine for anything.
 */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/** "just now", "12 min", "3 h", "2 d": coarse on purpose, the exact stamp is in the title attribute. */
export function formatAge(iso: string, now: number): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return 'unknown';
  const s = Math.max(0, Math.round((now - then) / 1000));
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h`;
  return `${Math.round(h / 24)} d`;
}

/** The same, read as a past moment: "just now", "12 min ago". */
export function formatAgo(iso: string, now: number): string {
  const age = formatAge(iso, now);
  return age === 'just now' || age === 'unknown' ? age : `${age} ago`;
}
