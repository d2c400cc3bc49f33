/**
 * What a view shows for a failed call: the message alone. The engine's messages already say what went wrong
 * and where; the error code (CallError.code) is for code that branches on it, not for the human.
 */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
