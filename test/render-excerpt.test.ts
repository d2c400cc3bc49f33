import { describe, expect, it } from 'vitest';
import { excerpt, oneLine } from '../electron/core/artifacts/render/markdown.ts';
import { interactions } from '../electron/core/artifacts/render/detail.ts';
import { buildSnapshot } from './support/snapshot-fixture.ts';

/** The excerpt as it was defined: the whole text flattened, then cut. `excerpt` flattens only a prefix. */
function reference(text: string, max = 120): string {
  const flat = Array.from(oneLine(text));
  return flat.length <= max
    ? flat.join('')
    : `${flat
        .slice(0, max - 1)
        .join('')
        .trimEnd()}…`;
}

/** Seeded, so a failing case can be rebuilt. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe('excerpt', () => {
  it('cuts a long text exactly as flattening the whole of it would', () => {
    const pieces = ['word', ' ', '\n\n', '\t', '     ', '😀', 'é', '|', 'x'.repeat(50), ' '.repeat(700), '\u00a0'];
    const random = rng(7);
    for (let i = 0; i < 3000; i++) {
      let text = '';
      const n = Math.floor(random() * 400);
      for (let k = 0; k < n; k++) text += pieces[Math.floor(random() * pieces.length)];
      for (const max of [1, 2, 10, 80, 120, 160, 240])
        expect(excerpt(text, max), JSON.stringify({ text, max })).toBe(reference(text, max));
    }
  });

  it('keeps an emoji whole where a prefix would have split it', () => {
    const text = `${'a'.repeat(479)}😀${'b'.repeat(500)}`;
    expect(excerpt(text)).toBe(reference(text));
    expect(excerpt('😀'.repeat(300), 120)).toBe(`${'😀'.repeat(119)}…`);
  });
});

describe('the detail timeline', () => {
  it('lists interactions newest first, and equal instants in command, decision, clarification order', () => {
    const s = buildSnapshot();
    const at = '2026-11-25T10:00:00.000Z';
    const c = s.commands[0];
    const r = s.reviews.find((x) => x.decision !== null);
    expect(c && r?.decision).toBeTruthy();
    if (!c || !r?.decision) return;
    const same = {
      ...s,
      commands: [{ ...c, timestamp: at }],
      responses: s.responses.filter((x) => x.command_id === c.command_id),
      reviews: [{ ...r, decision: { ...r.decision, timestamp: at } }],
      clarifications: [],
    };
    const lines = interactions(same).map((i) => i.line());
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(c.cmd);
    expect(lines[1]).toContain('of `');
    const later = { ...same, reviews: [{ ...r, decision: { ...r.decision, timestamp: '2026-11-25T11:00:00.000Z' } }] };
    expect(interactions(later).map((i) => i.line())[0]).toContain('of `');
  });
});
