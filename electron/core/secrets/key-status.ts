import type { AgentsFile, DiscordFile, KeyStatus } from '../../../shared/index.ts';
import { parseRuntimeRef } from '../agents/llm/runtime-ref.ts';
import { type KeyName, type KeySource, DEFAULT_KEY_ENV, envKeys, fileKeys } from './keys.ts';
import type { KeyStore } from './key-store.ts';

interface Need {
  name: KeyName;
  env: string | null;
  used_by: string[];
  /** Local servers (Ollama, most OpenAI-compatible ones) run without a key. */
  required: boolean;
}

/** Which keys this project's configuration calls for, with the variable each is looked up under. */
function needs(agentsFile: AgentsFile, discord: DiscordFile | null | undefined): Need[] {
  const byKey = new Map<string, Need>();
  for (const [role, cfg] of Object.entries(agentsFile.agents)) {
    if (cfg.runtime === 'scripted') continue;
    const ref = parseRuntimeRef(cfg.runtime);
    const env = cfg.api_key_env ?? DEFAULT_KEY_ENV[ref.provider] ?? null;
    const id = `${ref.provider}:${env ?? ''}`;
    const hit = byKey.get(id);
    if (hit) hit.used_by.push(role);
    else
      byKey.set(id, {
        name: ref.provider,
        env,
        used_by: [role],
        required: ref.provider === 'anthropic' || ref.provider === 'openai',
      });
  }
  if (discord?.mode === 'bot')
    byKey.set('discord', { name: 'discord', env: discord.token_env, used_by: ['Discord bot'], required: true });
  return [...byKey.values()];
}

/**
 * Where each key the project needs would come from, in the order the engine looks (environment, then the
 * agents.yaml keys_file, then the writable store), without ever returning a key. A source that cannot be
 * read (a keys_file with loose permissions) is reported as the problem it is.
 */
export async function keyStatus(o: {
  dir: string;
  agentsFile: AgentsFile;
  discord?: DiscordFile | null;
  store: KeyStore | null;
  env?: NodeJS.ProcessEnv;
}): Promise<KeyStatus[]> {
  const sources: Array<{ kind: KeyStatus['source'] & string; src: KeySource }> = [
    { kind: 'environment', src: envKeys(o.env) },
  ];
  if (o.agentsFile.keys_file) sources.push({ kind: 'keys_file', src: fileKeys(o.agentsFile.keys_file, o.dir) });
  if (o.store) sources.push({ kind: 'store', src: o.store });
  const out: KeyStatus[] = [];
  for (const n of needs(o.agentsFile, o.discord)) {
    let source: KeyStatus['source'] = null;
    let problem: string | null = null;
    for (const s of sources) {
      try {
        if (await s.src.get(n.name, n.env ?? undefined)) {
          source = s.kind;
          break;
        }
      } catch (err) {
        problem ??= err instanceof Error ? err.message : String(err);
      }
    }
    out.push({ name: n.name, env: n.env, used_by: n.used_by, required: n.required, source, problem });
  }
  return out;
}
