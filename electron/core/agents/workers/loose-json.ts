/**
 * Readers for the JSON an agent process sends (Codex's app-server, ACP agents' extension fields). These
 * protocols add and drop fields from one release to the next, and a field Governor only shows or passes on
 * is better read as empty than made to fail the whole turn, so a missing or mistyped field reads as `{}` or
 * `''` instead of throwing, as a zod schema would.
 */
export type Json = Record<string, unknown>;

/** `v` when it is a JSON object, else `{}`. */
export const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

/** `v` when it is a string, else `''`. */
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
