import {
  APICallError,
  NoObjectGeneratedError,
  RetryError,
  TypeValidationError,
  generateObject,
  generateText,
  tool,
  zodSchema,
  type LanguageModel,
  type Schema,
} from 'ai';
import { z } from 'zod';
import type { Redactor } from '../../secrets/redact.ts';
import { LlmError, explainLlmError } from './errors.ts';
import type { ModelRef } from './providers.ts';

export interface Usage {
  input: number;
  output: number;
}

/**
 * How a model is asked for structured output:
 * - `json_schema`: the server is given the JSON Schema and constrains the answer to it (OpenAI
 *   `response_format: json_schema`, Anthropic's native output format);
 * - `json_mode`: the server only promises a JSON object (`response_format: json_object`); the schema goes
 *   in the system prompt and the answer is checked here;
 * - `tool`: the answer is the arguments of a forced call to one `answer` tool, for servers with tool
 *   calling but no response_format at all.
 */
export type StructuredMode = 'json_schema' | 'json_mode' | 'tool';

/** The mode in use for one model; `fixed` when agents.yaml pins it, else it falls back on a refusal. */
export interface OutputMode {
  mode: StructuredMode;
  fixed: boolean;
}

export interface CallContext {
  ref: ModelRef;
  model: LanguageModel;
  /**
   * The same model without JSON-schema output (response_format json_object); null where the provider has no such
   * switch.
   */
  jsonModeModel?: LanguageModel | null;
  output?: OutputMode;
  baseUrl: string | undefined;
  redactor: Redactor;
  timeoutMs: number;
  /** SDK retries for 429, 5xx and connection errors (with retry-after); 3 unless told. */
  maxRetries?: number;
  onUsage(purpose: string, usage: Usage): void;
  /** Said once when the output mode falls back, so the human knows how the model is being asked. */
  onNotice?(text: string): void;
}

const SCHEMA_ATTEMPTS = 3;

function apiError(err: unknown): APICallError | null {
  if (APICallError.isInstance(err)) return err;
  if (RetryError.isInstance(err) && APICallError.isInstance(err.lastError)) return err.lastError;
  return null;
}

const UNSUPPORTED_RE =
  /not supported|unsupported|does not support|unknown (field|parameter)|invalid (value|parameter)|unrecognized/i;

/** Did the server refuse this way of asking (rather than fail for another reason, such as a bad key)? */
export function refusesMode(err: unknown, mode: StructuredMode): boolean {
  const api = apiError(err);
  if (!api || api.statusCode === undefined || ![400, 404, 415, 422, 500, 501].includes(api.statusCode)) return false;
  const text = `${api.message} ${api.responseBody ?? ''}`;
  if (mode === 'tool') return /tool|function/i.test(text) && UNSUPPORTED_RE.test(text);
  return (
    /response_format|json_schema|json_object|structured output/i.test(text) ||
    (UNSUPPORTED_RE.test(text) && /json|schema|format/i.test(text))
  );
}

/** The next way to ask after `mode` was refused, or null when none is left. */
export function fallbackMode(mode: StructuredMode, hasJsonMode: boolean): StructuredMode | null {
  if (mode === 'json_schema') return hasJsonMode ? 'json_mode' : 'tool';
  if (mode === 'json_mode') return 'tool';
  return null;
}

export const MODE_LABEL: Record<StructuredMode, string> = {
  json_schema: 'JSON-schema output',
  json_mode: 'JSON mode',
  tool: 'tool-mode output (a forced `answer` tool call)',
};

/**
 * Each answer schema wrapped for the AI SDK once, with its JSON Schema text for JSON mode. Given a bare zod
 * schema the SDK converts it to JSON Schema on every request; the wrapper converts on first use and keeps
 * it (the same conversion, so the request is byte for byte the same), and validates as the bare schema does.
 */
const wrapped = new WeakMap<z.ZodType, { sdk: Schema<unknown>; jsonText: string | null }>();
function prepared(schema: z.ZodType): { sdk: Schema<unknown>; jsonText: string | null } {
  let hit = wrapped.get(schema);
  if (!hit) {
    hit = { sdk: zodSchema(schema) as Schema<unknown>, jsonText: null };
    wrapped.set(schema, hit);
  }
  return hit;
}
const jsonSchemaText = (schema: z.ZodType): string => {
  const p = prepared(schema);
  p.jsonText ??= JSON.stringify(z.toJSONSchema(schema));
  return p.jsonText;
};

/** A problem with the answer the model can be told about and asked to fix. */
class AnswerProblem extends Error {}

/** One request in the given mode; throws AnswerProblem for an answer that does not fit the schema. */
async function ask<S extends z.ZodType>(
  ctx: CallContext,
  mode: StructuredMode,
  purpose: string,
  schema: S,
  system: string,
  prompt: string,
): Promise<z.output<S>> {
  const common = { system, prompt, maxRetries: ctx.maxRetries ?? 3, abortSignal: AbortSignal.timeout(ctx.timeoutMs) };
  const schemaName = purpose.replace(/[^a-z0-9]+/gi, '_').toLowerCase();
  try {
    if (mode === 'tool') {
      const r = await generateText({
        ...common,
        model: ctx.model,
        tools: {
          answer: tool({
            description: `Give your ${purpose} as the arguments of this tool.`,
            inputSchema: prepared(schema).sdk,
          }),
        },
        toolChoice: { type: 'tool', toolName: 'answer' },
      });
      ctx.onUsage(purpose, { input: r.usage.inputTokens ?? 0, output: r.usage.outputTokens ?? 0 });
      const call = r.toolCalls.find((c) => c.toolName === 'answer');
      if (!call) throw new AnswerProblem('no call of the `answer` tool was made');
      const parsed = schema.safeParse(call.input);
      if (!parsed.success)
        throw new AnswerProblem(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      return parsed.data as z.output<S>;
    }
    const model = mode === 'json_mode' && ctx.jsonModeModel ? ctx.jsonModeModel : ctx.model;
    const sys =
      mode === 'json_mode'
        ? `${system}\n\nAnswer with one JSON object only, no prose, following this JSON ` +
          `schema:\n${jsonSchemaText(schema)}`
        : system;
    const r = await generateObject({ ...common, system: sys, model, schema: prepared(schema).sdk, schemaName });
    ctx.onUsage(purpose, { input: r.usage.inputTokens ?? 0, output: r.usage.outputTokens ?? 0 });
    return r.object as z.output<S>;
  } catch (err) {
    if (err instanceof AnswerProblem) throw err;
    if (
      NoObjectGeneratedError.isInstance(err) ||
      TypeValidationError.isInstance(err) ||
      (err instanceof Error && /InvalidToolInput|NoSuchTool|ToolCallRepair/.test(err.name))
    ) {
      if (NoObjectGeneratedError.isInstance(err) && err.usage)
        ctx.onUsage(purpose, { input: err.usage.inputTokens ?? 0, output: err.usage.outputTokens ?? 0 });
      const cause =
        (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
      throw new AnswerProblem(cause);
    }
    throw err;
  }
}

/**
 * Structured output with repair: the answer is checked against the zod schema (and `check`, for rules a
 * schema cannot say, such as "only configured agents"); an invalid answer is retried with the error fed
 * back, and after three attempts the caller gets an `invalid_output` LlmError. A prompt too long for the
 * model is retried once with the context halved (`build(budget)` rebuilds it). A server that refuses
 * JSON-schema output is asked again in JSON mode, then through a forced tool call, and the runtime keeps
 * the mode that worked (unless agents.yaml pins `structured_output`).
 */
export async function structured<S extends z.ZodType>(
  ctx: CallContext,
  purpose: string,
  schema: S,
  system: string,
  build: (contextBudget: number) => string,
  check: (value: z.output<S>) => string | null = () => null,
  attempts = SCHEMA_ATTEMPTS,
): Promise<z.output<S>> {
  const output = ctx.output ?? { mode: 'json_schema', fixed: false };
  let budget = 60_000;
  let feedback = '';
  let lastProblem = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const value = await ask(ctx, output.mode, purpose, schema, system, build(budget) + feedback);
      const problem = check(value);
      if (!problem) return value;
      lastProblem = problem;
    } catch (err) {
      if (err instanceof AnswerProblem) {
        lastProblem = ctx.redactor.redact(err.message).slice(0, 1500);
      } else {
        const next = output.fixed
          ? null
          : refusesMode(err, output.mode)
            ? fallbackMode(output.mode, Boolean(ctx.jsonModeModel))
            : null;
        if (next) {
          ctx.onNotice?.(
            `${ctx.ref.label}${ctx.baseUrl ? ` at ${ctx.baseUrl}` : ''} refused ` +
              `${MODE_LABEL[output.mode]}; asking with ${MODE_LABEL[next]} from now on`,
          );
          output.mode = next;
          attempt -= 1; // another way of asking is a new try, not a wrong answer
          continue;
        }
        const explained = explainLlmError(err, ctx.ref, ctx.baseUrl, ctx.redactor);
        if (explained.kind === 'context_length' && budget > 8_000) {
          budget = Math.floor(budget / 2);
          attempt -= 1; // a shorter prompt is a new try, not a wrong answer
          continue;
        }
        throw explained;
      }
    }
    feedback =
      `\n\nYour previous answer was not valid: ${lastProblem}\nAnswer again ` +
      `${output.mode === 'tool' ? 'by calling the `answer` tool with arguments' : 'as JSON'} that ` +
      `follow the schema exactly.`;
  }
  throw new LlmError(
    'invalid_output',
    `${ctx.ref.label} gave no valid ${purpose} after ${attempts} attempt${attempts === 1 ? '' : 's'}; last ` +
      `problem: ${lastProblem}`,
  );
}
