import { NoObjectGeneratedError, TypeValidationError, generateObject, type LanguageModel } from 'ai';
import type { z } from 'zod';
import type { Redactor } from '../../secrets/redact.ts';
import { LlmError, explainLlmError } from './errors.ts';
import type { ModelRef } from './providers.ts';

export interface Usage {
  input: number;
  output: number;
}

export interface CallContext {
  ref: ModelRef;
  model: LanguageModel;
  baseUrl: string | undefined;
  redactor: Redactor;
  timeoutMs: number;
  /** SDK retries for 429, 5xx and connection errors (with retry-after); 3 unless told. */
  maxRetries?: number;
  onUsage(purpose: string, usage: Usage): void;
}

const SCHEMA_ATTEMPTS = 3;

/**
 * Structured output with repair: the answer is checked against the zod schema (and `check`, for rules a
 * schema cannot say, such as "only configured agents"); an invalid answer is retried with the error fed
 * back, and after three attempts the caller gets an `invalid_output` LlmError. A prompt too long for the
 * model is retried once with the context halved (`build(budget)` rebuilds it).
 */
export async function structured<S extends z.ZodType>(ctx: CallContext, purpose: string, schema: S, system: string, build: (contextBudget: number) => string, check: (value: z.output<S>) => string | null = () => null): Promise<z.output<S>> {
  let budget = 60_000;
  let feedback = '';
  let lastProblem = '';
  for (let attempt = 1; attempt <= SCHEMA_ATTEMPTS; attempt++) {
    try {
      const r = await generateObject({ model: ctx.model, schema, system, prompt: build(budget) + feedback, maxRetries: ctx.maxRetries ?? 3, abortSignal: AbortSignal.timeout(ctx.timeoutMs) });
      ctx.onUsage(purpose, { input: r.usage.inputTokens ?? 0, output: r.usage.outputTokens ?? 0 });
      const problem = check(r.object as z.output<S>);
      if (!problem) return r.object as z.output<S>;
      lastProblem = problem;
    } catch (err) {
      if (NoObjectGeneratedError.isInstance(err) || TypeValidationError.isInstance(err)) {
        if (NoObjectGeneratedError.isInstance(err) && err.usage) ctx.onUsage(purpose, { input: err.usage.inputTokens ?? 0, output: err.usage.outputTokens ?? 0 });
        lastProblem = ctx.redactor.redact(String((err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message)).slice(0, 1500);
      } else {
        const explained = explainLlmError(err, ctx.ref, ctx.baseUrl, ctx.redactor);
        if (explained.kind === 'context_length' && budget > 8_000) {
          budget = Math.floor(budget / 2);
          attempt -= 1; // a shorter prompt is a new try, not a wrong answer
          continue;
        }
        throw explained;
      }
    }
    feedback = `\n\nYour previous answer was not valid: ${lastProblem}\nAnswer again as JSON that follows the schema exactly.`;
  }
  throw new LlmError('invalid_output', `${ctx.ref.label} gave no valid ${purpose} after ${SCHEMA_ATTEMPTS} attempts; last problem: ${lastProblem}`);
}
