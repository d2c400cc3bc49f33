/**
 * Discord's message limits, and the one rule for text that does not fit: cut it at the limit with a
 * visible marker and attach the whole text as a `.md` file, so nothing is lost on a phone.
 */
export const LIMITS = {
  content: 2000,
  embedTitle: 256,
  embedDescription: 4096,
  embedFooter: 2048,
  embedTotal: 6000,
  fieldName: 256,
  fieldValue: 1024,
  threadName: 100,
  customId: 100,
  modalTitle: 45,
} as const;

export const CUT_MARKER = '… (truncated; the full text is attached)';

/** `text` if it fits in `max` characters; otherwise its start and the marker, `max` characters in all. */
export function clip(text: string, max: number, marker = '…'): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - marker.length))}${marker}`;
}
