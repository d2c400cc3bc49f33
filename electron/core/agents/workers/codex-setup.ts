import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { GovernorError } from '../../errors.ts';
import { passedEnv } from './spawn-tied.ts';

/** The oldest `codex app-server` whose protocol this adapter was written and tested against. */
export const MIN_CODEX_VERSION = '0.171.0';

/** The native binary npm's platform package ships (spawned directly: the npm wrapper would outlive a kill). */
export function bundledCodexBinary(): string | null {
  const require = createRequire(import.meta.url);
  try {
    const pkg = require.resolve(`@openai/codex-${process.platform}-${process.arch}/package.json`);
    const vendor = join(dirname(pkg), 'vendor');
    for (const triple of readdirSync(vendor)) {
      const bin = join(vendor, triple, 'bin', process.platform === 'win32' ? 'codex.exe' : 'codex');
      if (existsSync(bin)) return bin;
    }
  } catch {
    // The optional platform package did not install; the error below names the fix.
  }
  return null;
}

const versions = new Map<string, string>();
const run = promisify(execFile);

/** `codex --version` → `0.171.0`, once per binary. */
export async function codexVersion(bin: string): Promise<string> {
  const hit = versions.get(bin);
  if (hit) return hit;
  const { stdout } = await run(bin, ['--version'], { timeout: 15_000 });
  const v = /(\d+\.\d+\.\d+)/.exec(stdout)?.[1];
  if (!v) throw new Error(`unexpected output: ${stdout.slice(0, 200)}`);
  versions.set(bin, v);
  return v;
}

export const olderThan = (a: string, b: string) => {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) if ((x?.[i] ?? 0) !== (y?.[i] ?? 0)) return (x?.[i] ?? 0) < (y?.[i] ?? 0);
  return false;
};

/** Where Codex keeps a ChatGPT sign-in (`codex login`). */
export const userCodexHome = () => process.env.CODEX_HOME ?? join(homedir(), '.codex');

/**
 * Checks made before a thread starts, each failing with the fix named: a missing binary, one older than
 * the protocol this adapter speaks, and neither an API key nor a `codex login`.
 */
export async function checkCodex(o: {
  label: string;
  apiKey: string | null;
  executable?: string | undefined;
  baseUrl?: string | undefined;
}): Promise<string> {
  const bin = o.executable ?? bundledCodexBinary();
  if (!bin || !existsSync(bin)) {
    throw new GovernorError(
      'worker_missing',
      o.executable
        ? `${o.label}: the codex binary ${o.executable} (agents.yaml command:) does not exist; ` +
            'fix the path, or remove command: to use the one npm installs'
        : `${o.label}: the codex binary was not found; run \`npm install\` in Governor's folder ` +
            `(@openai/codex ships it for ${process.platform}-${process.arch}), ` +
            'or set command: in agents.yaml to a codex binary',
    );
  }
  let version: string;
  try {
    version = await codexVersion(bin);
  } catch (err) {
    throw new GovernorError(
      'worker_missing',
      `${o.label}: \`${bin} --version\` failed (${String(err).slice(0, 200)}); ` +
        'reinstall Codex (`npm install @openai/codex`) or fix agents.yaml command:',
    );
  }
  if (olderThan(version, MIN_CODEX_VERSION)) {
    throw new GovernorError(
      'worker_version',
      `${o.label}: codex ${version} is older than ${MIN_CODEX_VERSION}, the first ` +
        `version whose app-server protocol Governor speaks; upgrade it (\`npm install @openai/codex@latest\`)`,
    );
  }
  if (!o.apiKey && !o.baseUrl && !existsSync(join(userCodexHome(), 'auth.json'))) {
    throw new GovernorError(
      'api_key_missing',
      `${o.label} needs an OpenAI API key or a ChatGPT sign-in: set ` +
        'OPENAI_API_KEY (or store the "openai" key in Settings), or run `codex login` once',
    );
  }
  return bin;
}

/**
 * How `codex app-server` is started for one work step: its arguments and its environment, which holds only
 * what Codex needs (no other secret of Governor's). With a key or a base_url Codex gets a private home under
 * .governor/ (its sessions are the resumable threads) and a model provider pointing where the key works; with
 * a ChatGPT sign-in it keeps the user's own. Its TMPDIR is private too: Codex will not set up its sandbox
 * helpers under the system temp folder, and commands get a temp folder of their own.
 */
export function appServerLaunch(
  o: { projectDir: string; apiKey: string | null; baseUrl?: string | undefined },
  bin: string,
  mcpToken: string,
): { args: string[]; env: Record<string, string> } {
  const useOwnHome = o.apiKey !== null || o.baseUrl !== undefined;
  const home = useOwnHome ? join(o.projectDir, '.governor', 'codex-home') : userCodexHome();
  const tmp = join(o.projectDir, '.governor', 'codex-tmp');
  mkdirSync(home, { recursive: true });
  mkdirSync(tmp, { recursive: true });
  const env: Record<string, string> = {
    ...passedEnv([]),
    CODEX_HOME: home,
    TMPDIR: tmp,
    GOVERNOR_MCP_TOKEN: mcpToken,
  };
  // npm's package puts the helpers Codex runs (rg) beside the binary's folder.
  const npmPath = join(dirname(dirname(bin)), 'codex-path');
  if (existsSync(npmPath)) env.PATH = `${npmPath}:${env.PATH ?? ''}`;
  if (o.apiKey) env.OPENAI_API_KEY = o.apiKey;
  const config: string[] = ['check_for_update_on_startup=false', 'analytics.enabled=false'];
  if (useOwnHome) {
    for (const [k, v] of Object.entries({
      name: 'Governor (OpenAI Responses)',
      base_url: o.baseUrl ?? 'https://api.openai.com/v1',
      wire_api: 'responses',
      env_key: 'OPENAI_API_KEY',
    })) {
      config.push(`model_providers.governor.${k}=${JSON.stringify(v)}`);
    }
    config.push('model_provider="governor"');
  }
  return { args: ['app-server', ...config.flatMap((c) => ['-c', c])], env };
}
