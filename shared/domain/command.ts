import { z } from 'zod';
import { Actor, Id } from './common.ts';

export const CommandName = z.enum([
  '/status',
  '/clarify',
  '/assign',
  '/ack',
  '/resolve',
  '/escalate',
  '/pause',
  '/resume',
  '/approve',
  '/reject',
  '/phase',
  '/help',
]);
export type CommandName = z.infer<typeof CommandName>;

export const CommandSource = z.enum(['cli', 'ui', 'discord']);
export type CommandSource = z.infer<typeof CommandSource>;

/** A human command as the seed logs it in `audit/commands.jsonl`. */
export const Command = z.object({
  command_id: Id,
  cmd: CommandName,
  target: z.string().nullable(),
  args: z.string(),
  user: z.string(),
  source: CommandSource,
  timestamp: z.string(),
});
export type Command = z.infer<typeof Command>;

/** An answer to a command (`audit/responses.jsonl`), linked by `command_id`. */
export const Response = z.object({
  id: Id,
  command_id: Id,
  from: Actor,
  to: Actor,
  response: z.string(),
  ok: z.boolean(),
  responded_at: z.string(),
});
export type Response = z.infer<typeof Response>;
