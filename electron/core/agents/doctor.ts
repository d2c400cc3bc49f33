import { generateText } from 'ai';
import type { AgentsFile } from '../../../shared/index.ts';
import { RoleKind } from '../../../shared/index.ts';
import { errorMessage } from '../errors.ts';
import { type KeySource, DEFAULT_KEY_ENV, chainKeys, envKeys, fileKeys } from '../secrets/keys.ts';
import { Redactor } from '../secrets/redact.ts';
import { explainLlmError } from './llm/errors.ts';
import { isCodingAgent } from './runtimes.ts';
import { checkCodingAgent } from './workers/doctor-agents.ts';
import { OLLAMA_DEFAULT_URL, createModel, parseRuntimeRef } from './llm/providers.ts';

export interface DoctorCheck {
  runtime: string;
  roles: string[];
  key: { ok: boolean; detail: string };
  call: { ok: boolean; detail: string };
}

/**
 * `governor doctor`: for each runtime agents.yaml uses, is a key there (without ever printing it), and
 * does a tiny real call succeed? A failure comes with the advice that fixes it.
 */
export async function runDoctor(o: { dir: string; agentsFile: AgentsFile; keys?: KeySource; extraKeys?: KeySource; fetch?: typeof globalThis.fetch; timeoutMs?: number }): Promise<DoctorCheck[]> {
  // The same order as the engine: environment, the keys_file, then the store Settings writes to.
  const keys = o.keys ?? chainKeys(...[envKeys(), ...(o.agentsFile.keys_file ? [fileKeys(o.agentsFile.keys_file, o.dir)] : []), ...(o.extraKeys ? [o.extraKeys] : [])]);
  const groups = new Map<string, { roles: string[]; base_url: string | undefined; api_key_env: string | undefined; runtime: string }>();
  for (const role of RoleKind.options) {
    const c = o.agentsFile.agents[role];
    const id = `${c.runtime}|${c.base_url ?? ''}|${c.api_key_env ?? ''}|${c.command ?? ''}|${(c.args ?? []).join(' ')}`;
    const g = groups.get(id) ?? { roles: [], base_url: c.base_url, api_key_env: c.api_key_env, runtime: c.runtime };
    g.roles.push(role);
    groups.set(id, g);
  }
  const out: DoctorCheck[] = [];
  for (const g of groups.values()) {
    if (g.runtime === 'scripted') {
      out.push({ runtime: 'scripted', roles: g.roles, key: { ok: true, detail: 'no key needed (offline script, not a model)' }, call: { ok: true, detail: 'plays resources/sample/script.yaml' } });
      continue;
    }
    if (isCodingAgent(g.runtime) || g.runtime === 'external') {
      const c = o.agentsFile.agents[g.roles[0] as RoleKind];
      const provider = g.runtime.startsWith('codex') ? 'openai' : 'anthropic';
      const key = g.runtime === 'acp' ? null : await keys.get(provider, g.api_key_env).catch(() => null);
      out.push({ runtime: g.runtime, roles: g.roles, ...(await checkCodingAgent(c, key, o.dir)) });
      continue;
    }
    const ref = parseRuntimeRef(g.runtime);
    const redactor = new Redactor();
    let key: string | null = null;
    let keyCheck: DoctorCheck['key'];
    try {
      key = await keys.get(ref.provider, g.api_key_env);
      redactor.add(key);
      const env = g.api_key_env ?? DEFAULT_KEY_ENV[ref.provider];
      keyCheck = key ? { ok: true, detail: `found (${key.length} characters, from ${keys.label})` } : ref.provider === 'ollama' || ref.provider === 'openai-compatible' ? { ok: true, detail: 'none set; fine for a local server' } : { ok: false, detail: `missing: set ${env}, add "${ref.provider}" to the keys_file (mode 0600), or enter it in Settings → Providers and keys` };
    } catch (err) {
      keyCheck = { ok: false, detail: errorMessage(err) };
    }
    let call: DoctorCheck['call'];
    if (!keyCheck.ok) call = { ok: false, detail: 'skipped: no key' };
    else {
      try {
        const model = createModel(ref, { apiKey: key, baseUrl: g.base_url, ...(o.fetch ? { fetch: o.fetch } : {}) });
        const r = await generateText({ model, prompt: 'Reply with the single word OK.', maxOutputTokens: 16, maxRetries: 1, abortSignal: AbortSignal.timeout(o.timeoutMs ?? 30_000) });
        call = { ok: true, detail: `answered "${redactor.redact(r.text.trim()).slice(0, 40)}" (${(r.usage.inputTokens ?? 0) + (r.usage.outputTokens ?? 0)} tokens) from ${g.base_url ?? (ref.provider === 'ollama' ? OLLAMA_DEFAULT_URL : `the ${ref.provider} API`)}` };
      } catch (err) {
        call = { ok: false, detail: explainLlmError(err, ref, g.base_url, redactor).message };
      }
    }
    out.push({ runtime: g.runtime, roles: g.roles, key: keyCheck, call });
  }
  return out;
}
