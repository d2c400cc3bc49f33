/**
 * Record builders for the append-only `audit/*.jsonl` files. The exporter appends one line per new
 * record; a stable key order (the seed's fields first) keeps the files diffable and byte-identical
 * when rebuilt from the ledger.
 */
import type { Command, Concern, GitAction, Response } from '../../../../shared/index.ts';

export interface JsonlRecords {
  concerns: Concern;
  commands: Command;
  responses: Response;
  git_actions: GitAction;
}
export type JsonlKind = keyof JsonlRecords;

/** Key order per file: the seed's example fields first, then what Governor adds. */
export const JSONL_KEY_ORDER: { readonly [K in JsonlKind]: ReadonlyArray<keyof JsonlRecords[K]> } = {
  // Seed: the concern object, then `assigned_to`/`response` from the `/assign` example.
  concerns: [
    'id',
    'from',
    'to',
    'severity',
    'category',
    'summary',
    'details',
    'timestamp',
    'status',
    'discord_message_id',
    'assigned_to',
    'response',
    'resolution',
    'escalations',
    'phase',
    'updated_at',
  ],
  // Seed: `command_id` leads the combined record; then the commands.jsonl example's fields.
  commands: ['command_id', 'cmd', 'target', 'args', 'user', 'timestamp', 'source'],
  // Seed: linked by `command_id`; `from, to, response` then `responded_at` from the combined record.
  responses: ['command_id', 'from', 'to', 'response', 'responded_at', 'ok', 'id'],
  // Seed: the git_actions.jsonl example's fields, then the ids that tie the action to history.
  git_actions: [
    'action',
    'source',
    'target',
    'trigger',
    'timestamp',
    'id',
    'actor',
    'commit',
    'previous',
    'message',
    'files',
  ],
};

/**
 * The record as a plain object in the file's key order. Keys the order does not know (a schema that
 * grew) follow in sorted order, so nothing is dropped and the output stays deterministic.
 */
export function jsonlRecord<K extends JsonlKind>(kind: K, record: JsonlRecords[K]): Record<string, unknown> {
  const source = record as unknown as Record<string, unknown>;
  const order = JSONL_KEY_ORDER[kind] as readonly string[];
  const out: Record<string, unknown> = {};
  for (const key of order) if (key in source && source[key] !== undefined) out[key] = source[key];
  for (const key of Object.keys(source).sort()) if (!(key in out) && source[key] !== undefined) out[key] = source[key];
  return out;
}

/** One JSONL line for `audit/<kind>.jsonl`, terminated by `\n` so appending is plain concatenation. */
export function jsonlLine<K extends JsonlKind>(kind: K, record: JsonlRecords[K]): string {
  return `${JSON.stringify(jsonlRecord(kind, record))}\n`;
}

/** A whole JSONL file, for rebuilding an export from the ledger rather than appending to it. */
export function renderJsonl<K extends JsonlKind>(kind: K, records: ReadonlyArray<JsonlRecords[K]>): string {
  return records.map((r) => jsonlLine(kind, r)).join('');
}

/** The project-relative path of each JSONL file. */
export const JSONL_PATHS: { readonly [K in JsonlKind]: string } = {
  concerns: 'audit/concerns.jsonl',
  commands: 'audit/commands.jsonl',
  responses: 'audit/responses.jsonl',
  git_actions: 'audit/git_actions.jsonl',
};
