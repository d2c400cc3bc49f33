import { describe, expect, it } from 'vitest';
import { applySuggestion, suggest } from '../renderer/views/console/complete.ts';

const src = {
  agents: ['ProjectManager', 'Designer', 'Implementer', 'Implementer-2', 'Tester'],
  reviews: ['review_0003', 'review_0004'],
  concerns: ['concern_0001', 'concern_0012'],
};
const values = (text: string) => suggest(text, src).map((s) => s.value);

describe('console completion', () => {
  it('completes commands from the grammar, with their usage as the hint', () => {
    expect(values('/cl')).toEqual(['/clarify']);
    expect(values('/re')).toEqual(expect.arrayContaining(['/resolve', '/resume', '/reject']));
    expect(values('/re')).not.toContain('/ack');
    expect(suggest('/cl', src)[0]?.hint).toMatch(/^\/clarify <agent> <question> — /);
    // Free text is not a command: nothing to suggest.
    expect(values('hello')).toEqual([]);
  });

  it('completes the argument each command takes: agents, "all", concerns, reviews, git', () => {
    expect(values('/clarify Imp')).toEqual(['Implementer', 'Implementer-2']);
    expect(values('/clarify imp')).toEqual(['Implementer', 'Implementer-2']);
    expect(values('/pause a')).toEqual(['all']);
    expect(values('/clarify a')).toEqual([]);
    expect(values('/ack concern_001')).toEqual(['concern_0012']);
    expect(values('/approve r')).toEqual(['review_0003', 'review_0004']);
    expect(values('/status g')).toEqual(['git']);
    expect(values('/assign Designer con')).toEqual(['concern_0001', 'concern_0012']);
    // A complete token is not offered again, and the question itself is free text.
    expect(values('/clarify Designer')).toEqual([]);
    expect(values('/clarify Designer why')).toEqual([]);
  });

  it('replaces only the token being typed and leaves a space to go on', () => {
    expect(applySuggestion('/clarify Des', 'Designer')).toBe('/clarify Designer ');
    expect(applySuggestion('/cla', '/clarify')).toBe('/clarify ');
    expect(applySuggestion('/resolve ', 'concern_0001')).toBe('/resolve concern_0001 ');
  });
});
