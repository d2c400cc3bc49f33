import { APICallError, NoObjectGeneratedError, RetryError } from 'ai';
import { errorMessage } from '../../errors.ts';
import type { Redactor } from '../../secrets/redact.ts';
import { LlmError } from './llm-error.ts';
import { OLLAMA_DEFAULT_URL, type ModelRef } from './runtime-ref.ts';

export { LlmError } from './llm-error.ts';

function apiError(err: unknown): APICallError | null {
  if (APICallError.isInstance(err)) return err;
  if (RetryError.isInstance(err) && APICallError.isInstance(err.lastError)) return err.lastError;
  return null;
}

const CONTEXT_RE = /context[_ ]length|maximum context|prompt is too long|too many tokens|context window/i;

/** Map whatever the AI SDK threw to one clear message naming the provider, the model and the fix. */
export function explainLlmError(
  err: unknown,
  ref: ModelRef,
  baseUrl: string | undefined,
  redactor: Redactor,
): LlmError {
  if (err instanceof LlmError) return err;
  const api = apiError(err);
  const body = redactor.redact(api?.responseBody ?? '');
  const where = `${ref.label}${baseUrl ? ` at ${baseUrl}` : ''}`;
  const raw = redactor.redact(errorMessage(err));
  if (NoObjectGeneratedError.isInstance(err))
    return new LlmError('invalid_output', `${where} did not return output matching the schema: ${raw}`);
  if (api?.statusCode === 401 || api?.statusCode === 403)
    return new LlmError(
      'auth',
      `${where} rejected the API key (${api.statusCode}). Check the key in the environment or the keys file.`,
    );
  if (api?.statusCode === 404)
    return new LlmError(
      'model_not_found',
      `${where} does not know the model "${ref.model}" (404). Check the runtime in ` +
        `agents.yaml${ref.provider === 'ollama' ? ` and run \`ollama pull ${ref.model}\`` : ''}.`,
    );
  if (api?.statusCode === 400 && CONTEXT_RE.test(body + raw))
    return new LlmError('context_length', `${where}: the prompt is longer than the model's context window.`);
  if (api?.statusCode === 429)
    return new LlmError(
      'rate_limited',
      `${where} kept rate-limiting (429) after retries that honoured retry-after; try again later or lower the pace.`,
    );
  if (api && api.statusCode !== undefined && api.statusCode >= 500)
    return new LlmError('server', `${where} failed with ${api.statusCode} after retries: ${body.slice(0, 200)}`);
  const text = `${raw} ${errorMessage((err as { cause?: unknown }).cause ?? '')}`;
  if (/ECONNREFUSED|Cannot connect|fetch failed|ENOTFOUND|EAI_AGAIN/i.test(text)) {
    const advice =
      ref.provider === 'ollama'
        ? ` Ollama is not running at ${baseUrl ?? OLLAMA_DEFAULT_URL}: start it with \`ollama serve\` and ` +
          `\`ollama pull ${ref.model}\`.`
        : ' Check the network and base_url.';
    return new LlmError('unreachable', `${where} could not be reached.${advice}`);
  }
  if (/abort|timeout|timed out/i.test(text))
    return new LlmError('timeout', `${where} did not answer in time (agent_limits.wall_clock_s).`);
  return new LlmError('other', `${where}: ${raw}`);
}
