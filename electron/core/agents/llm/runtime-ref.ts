import type { RuntimeRef } from '../../../../shared/index.ts';
import { GovernorError } from '../../errors.ts';
import type { Provider } from '../../secrets/keys.ts';

/*
 * Reading a runtime reference needs no AI SDK: key lookups, Settings and `governor status` use this
 * without loading the providers (which cost a few hundred milliseconds to import).
 */

export const OLLAMA_DEFAULT_URL = 'http://127.0.0.1:11434/v1';

export interface ModelRef {
  provider: Provider;
  model: string;
  /** `provider:model`, as written in agents.yaml. */
  label: string;
}

export function parseRuntimeRef(ref: RuntimeRef): ModelRef {
  const i = ref.indexOf(':');
  if (ref === 'scripted' || i < 0) throw new GovernorError('runtime_scripted', 'the scripted runtime has no model');
  return { provider: ref.slice(0, i) as Provider, model: ref.slice(i + 1), label: ref };
}
