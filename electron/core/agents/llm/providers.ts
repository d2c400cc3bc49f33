import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel } from 'ai';
import { GovernorError } from '../../errors.ts';
import { type ModelRef, OLLAMA_DEFAULT_URL } from './runtime-ref.ts';

export { type ModelRef, OLLAMA_DEFAULT_URL, parseRuntimeRef } from './runtime-ref.ts';

export interface ModelOptions {
  apiKey: string | null;
  baseUrl?: string | undefined;
  /** Injected for recording and replay, and so tests can point at a local fake. */
  fetch?: typeof globalThis.fetch;
  /** false: ask OpenAI-compatible servers for `json_object` instead of `json_schema` output (JSON mode). */
  jsonSchema?: boolean;
}

/** Providers whose servers may lack JSON-schema output, so a JSON-mode model can be made for them. */
export const hasJsonModeSwitch = (ref: ModelRef) => ref.provider === 'ollama' || ref.provider === 'openai-compatible';

/** One AI SDK language model for a runtime reference; no hand-written HTTP. */
export function createModel(ref: ModelRef, opts: ModelOptions): LanguageModel {
  const common = { ...(opts.fetch ? { fetch: opts.fetch } : {}) };
  switch (ref.provider) {
    case 'anthropic':
      if (!opts.apiKey) throw missingKey(ref);
      return createAnthropic({ apiKey: opts.apiKey, ...(opts.baseUrl ? { baseURL: opts.baseUrl } : {}), ...common })(
        ref.model,
      );
    case 'openai':
      if (!opts.apiKey) throw missingKey(ref);
      // Chat Completions: the API every OpenAI-compatible server (vLLM, LM Studio, OpenRouter) also speaks.
      return createOpenAI({ apiKey: opts.apiKey, ...(opts.baseUrl ? { baseURL: opts.baseUrl } : {}), ...common }).chat(
        ref.model,
      );
    case 'ollama':
      // Send the JSON schema (not just "json_object") and ask for usage, so structured output and cost work.
      return createOpenAICompatible({
        name: 'ollama',
        baseURL: opts.baseUrl ?? OLLAMA_DEFAULT_URL,
        supportsStructuredOutputs: opts.jsonSchema ?? true,
        includeUsage: true,
        ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
        ...common,
      })(ref.model);
    case 'openai-compatible':
      if (!opts.baseUrl)
        throw new GovernorError(
          'base_url_missing',
          `${ref.label} needs a base_url in agents.yaml (the server's OpenAI-compatible /v1 URL)`,
        );
      return createOpenAICompatible({
        name: 'openai-compatible',
        baseURL: opts.baseUrl,
        supportsStructuredOutputs: opts.jsonSchema ?? true,
        includeUsage: true,
        ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
        ...common,
      })(ref.model);
  }
}

function missingKey(ref: ModelRef): GovernorError {
  const env = ref.provider === 'anthropic' ? 'ANTHROPIC_API_KEY' : 'OPENAI_API_KEY';
  return new GovernorError(
    'api_key_missing',
    `${ref.label} needs an API key: set ${env}, or add it to the keys_file named in agents.yaml (mode 0600)`,
  );
}
