import { z } from 'zod';
import { matchAgent } from '../../../shared/index.ts';

/**
 * What Discord hands us, validated before anything acts on it. Discord enforces the registered option
 * types and choices for a well-behaved client, but an interaction is input from outside the process all
 * the same: an unregistered option, a stale registration, a forged or oversized value is refused here,
 * with the reason, instead of reaching the command handler.
 */

/** A line or paragraph typed by a person: no control characters besides tabs and line breaks. */
const typed = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `at most ${max} characters`)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the pattern is there to reject control characters.
    .regex(/^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/, 'control characters are not allowed');
const required = (max: number, what: string) => typed(max).min(1, `${what} is empty`);
const itemId = (kind: 'concern' | 'review') =>
  z
    .string()
    .trim()
    .regex(new RegExp(`^#?(${kind}_)?\\d{1,10}$`), `a ${kind} id such as ${kind}_0004 or 4`);

/**
 * An agent of the project the command went to: typed freely (autocomplete offers them, but a phone may send
 * what was typed), matched as the console matches it (`pm`, any case), and passed on by its real name.
 */
function agentOption(agents: readonly string[], allowAll: boolean) {
  const names = allowAll ? [...agents, 'all'] : [...agents];
  return z
    .string()
    .trim()
    .transform((a, ctx) => {
      const hit = allowAll && a.toLowerCase() === 'all' ? 'all' : matchAgent(a, agents);
      if (hit) return hit;
      ctx.addIssue({
        code: 'custom',
        message: `"${a.slice(0, 40)}" is not an agent of this project: one of ${names.join(', ')}`,
      });
      return z.NEVER;
    });
}

/** The options of each slash command (as registered in slash-commands.ts), in the order the console takes them. */
function slashSchemas(agents: readonly string[]) {
  return {
    status: { schema: z.object({ scope: z.literal('git').optional() }).strict(), order: ['scope'] },
    clarify: {
      schema: z.object({ agent: agentOption(agents, false), question: required(2000, 'the question') }).strict(),
      order: ['agent', 'question'],
    },
    assign: {
      schema: z.object({ agent: agentOption(agents, false), task: required(2000, 'the task') }).strict(),
      order: ['agent', 'task'],
    },
    ack: {
      schema: z.object({ concern: itemId('concern'), note: typed(2000).optional() }).strict(),
      order: ['concern', 'note'],
    },
    resolve: {
      schema: z.object({ concern: itemId('concern'), note: typed(2000).optional() }).strict(),
      order: ['concern', 'note'],
    },
    pause: { schema: z.object({ agent: agentOption(agents, true) }).strict(), order: ['agent'] },
    resume: { schema: z.object({ agent: agentOption(agents, true) }).strict(), order: ['agent'] },
    approve: {
      schema: z.object({ review: itemId('review'), note: typed(2000).optional() }).strict(),
      order: ['review', 'note'],
    },
    reject: {
      schema: z.object({ review: itemId('review'), reason: required(2000, 'the reason') }).strict(),
      order: ['review', 'reason'],
    },
    phase: { schema: z.object({ action: z.literal('next').optional() }).strict(), order: ['action'] },
    help: {
      schema: z
        .object({
          command: z
            .string()
            .trim()
            .regex(/^\/?[a-z]{2,12}$/, 'a command name such as status')
            .optional(),
        })
        .strict(),
      order: ['command'],
    },
  } as const;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

function firstIssue(err: z.ZodError): string {
  const i = err.issues[0];
  if (!i) return 'invalid input';
  if (i.code === 'unrecognized_keys') return `unexpected option ${i.keys.join(', ')}`;
  return `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`;
}

/** Only string options are registered; anything else (a number, a sub-command) is not ours. */
const SlashOption = z.object({ name: z.string().max(32), type: z.literal(3), value: z.string().max(6000) });

/** A slash command's options → the console text for the shared command handler, or why not. */
export function slashCommandText(
  name: string,
  options: ReadonlyArray<{ name: string; type: number; value?: unknown }>,
  agents: readonly string[],
): Checked<string> {
  const all = slashSchemas(agents);
  const spec = Object.hasOwn(all, name) ? all[name as keyof typeof all] : null;
  if (!spec) return { ok: false, error: `/${name.slice(0, 32)} is not one of Governor's commands` };
  const raw: Record<string, string> = {};
  for (const o of options) {
    const opt = SlashOption.safeParse(o);
    if (!opt.success)
      return { ok: false, error: `option ${String(o.name).slice(0, 32)} is not a text option Governor registered` };
    raw[opt.data.name] = opt.data.value;
  }
  const parsed = spec.schema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: firstIssue(parsed.error) };
  const values = parsed.data as Record<string, string | undefined>;
  const args = spec.order
    .map((k) => values[k] ?? '')
    .filter(Boolean)
    .join(' ');
  return { ok: true, value: `/${name}${args ? ` ${args}` : ''}` };
}

/** The one text field our modals have (custom id `text`), from the submitted fields. */
const ModalFields = z.object({ text: required(4000, 'the text') }).strict();

export function modalText(fields: ReadonlyArray<{ customId: string; value?: unknown }>): Checked<string> {
  const raw: Record<string, unknown> = {};
  for (const f of fields) raw[f.customId] = f.value;
  const parsed = ModalFields.safeParse(raw);
  return parsed.success ? { ok: true, value: parsed.data.text } : { ok: false, error: firstIssue(parsed.error) };
}
