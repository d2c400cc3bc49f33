/**
 * `audit/handoff_<timestamp>.json`: one file per handoff, fields in the seed's order.
 */
import type { Handoff } from '../../../../shared/index.ts';

/**
 * `2026-11-25T08:14:00.250Z` → `20261125T081400250Z`: colons are illegal on Windows and dots would
 * read as an extension, so both go; the result still sorts chronologically.
 */
export function filenameStamp(ts: string): string {
  return ts.replace(/[-:.]/g, '');
}

function safeId(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '');
}

/**
 * Project-relative paths of every handoff file, keyed by handoff id.
 *
 * The suffix is the last 6 characters of the id: a ULID's first characters are its timestamp,
 * so handoffs of the same second would share a prefix, whereas the tail is random. Should two
 * names still collide, the later handoff (in ledger order) takes its full id, so a name never
 * changes once exported: it depends only on the handoffs before it.
 */
export function handoffPaths(handoffs: readonly Handoff[]): Map<string, string> {
  const names = handoffNames(handoffs);
  return new Map(handoffs.map((h, i) => [h.id, names[i] ?? '']));
}

/** The file names in ledger order (aligned with `handoffs`). */
function handoffNames(handoffs: readonly Handoff[]): string[] {
  const taken = new Set<string>();
  const names: string[] = [];
  for (const h of handoffs) {
    const stamp = filenameStamp(h.timestamp);
    const id = safeId(h.id);
    let name = `audit/handoff_${stamp}_${id.slice(-6)}.json`;
    if (taken.has(name)) name = `audit/handoff_${stamp}_${id}.json`;
    // Identical full ids cannot happen in a valid ledger; a counter keeps even that case lossless.
    for (let n = 2; taken.has(name); n += 1) name = `audit/handoff_${stamp}_${id}_${n}.json`;
    taken.add(name);
    names.push(name);
  }
  return names;
}

/** The seed's handoff record in the seed's order; `impact` only when present; `id` and `phase` last. */
export function handoffRecord(h: Handoff): Record<string, unknown> {
  return {
    from: h.from,
    to: h.to,
    purpose: h.purpose,
    inputs: h.inputs,
    outputs: h.outputs,
    summary: h.summary,
    status: h.status,
    ...(h.impact !== undefined ? { impact: h.impact } : {}),
    timestamp: h.timestamp,
    concerns_opened: h.concerns_opened,
    concerns_closed: h.concerns_closed,
    last_concern_id: h.last_concern_id,
    has_critical_concerns: h.has_critical_concerns,
    id: h.id,
    phase: h.phase,
  };
}

export function renderHandoff(h: Handoff): string {
  return `${JSON.stringify(handoffRecord(h), null, 2)}\n`;
}

/** Every handoff file, in ledger order. */
export function renderHandoffs(handoffs: readonly Handoff[]): Array<[string, string]> {
  const names = handoffNames(handoffs);
  return handoffs.map((h, i) => [names[i] ?? `audit/handoff_${filenameStamp(h.timestamp)}.json`, renderHandoff(h)]);
}
