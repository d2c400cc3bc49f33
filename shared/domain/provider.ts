import { z } from 'zod';

/**
 * The model providers an agents.yaml runtime can name as `provider:model`. The one list: the runtime
 * schema, the key stores and Settings all derive from it, so a new provider is added here once.
 */
export const PROVIDERS = ['anthropic', 'openai', 'ollama', 'openai-compatible'] as const;
export const Provider = z.enum(PROVIDERS);
export type Provider = z.infer<typeof Provider>;

/** A key Governor can store: a model provider's API key, or the Discord bot token. */
export const KeyName = z.enum([...PROVIDERS, 'discord']);
export type KeyName = z.infer<typeof KeyName>;
