import { createInterface } from 'node:readline/promises';
import pc from 'picocolors';

const CHOICES = [
  { key: '1', runtime: 'scripted', what: 'the offline demo script (plays only the sample project; no model)' },
  { key: '2', runtime: 'anthropic:claude-sonnet-4-5', what: 'Anthropic (ANTHROPIC_API_KEY)' },
  { key: '3', runtime: 'openai:gpt-5', what: 'OpenAI (OPENAI_API_KEY)' },
  { key: '4', runtime: 'ollama:qwen2.5-coder', what: 'a local model through Ollama (no key)' },
  {
    key: '5',
    runtime: 'openai-compatible:',
    what: 'any OpenAI-compatible server (LM Studio, vLLM, OpenRouter…): model and base URL',
  },
] as const;

/**
 * `governor init` without `--runtime`, at a terminal: ask which runtime the team uses, so a new project
 * does not start on the scripted demo by accident. Typing a full reference (`ollama:llama3.1`) works too.
 */
export async function askRuntime(): Promise<{ runtime: string; baseUrl?: string }> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    console.log('Which runtime should the agents use? (you can change it per role in agents.yaml later)');
    for (const c of CHOICES) console.log(`  ${pc.bold(c.key)}  ${c.runtime.padEnd(30)} ${pc.dim(c.what)}`);
    for (;;) {
      const answer = (await rl.question('Runtime [1]: ')).trim() || '1';
      const picked = CHOICES.find((c) => c.key === answer)?.runtime ?? answer;
      if (picked === 'openai-compatible:') {
        const model = (await rl.question('  Model name: ')).trim();
        const baseUrl = (await rl.question('  Base URL (e.g. http://127.0.0.1:1234/v1): ')).trim();
        if (model && baseUrl) return { runtime: `openai-compatible:${model}`, baseUrl };
        console.log(pc.yellow('  Both are needed.'));
        continue;
      }
      if (picked.startsWith('ollama:')) {
        const baseUrl = (await rl.question('  Ollama URL [http://127.0.0.1:11434/v1]: ')).trim();
        return baseUrl ? { runtime: picked, baseUrl } : { runtime: picked };
      }
      return { runtime: picked };
    }
  } finally {
    rl.close();
  }
}
