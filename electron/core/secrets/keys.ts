import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { NonEmptyString } from '../../../shared/index.ts';
import type { KeyName, Provider } from '../../../shared/index.ts';
import { GovernorError } from '../errors.ts';

/** What a key source can hold: a model provider's key, or the Discord bot token (defined in shared/). */
export type { KeyName, Provider };

/** The variables people already have set for these providers. */
export const DEFAULT_KEY_ENV: Record<KeyName, string | null> = {
  anthropic: 'ANTHROPIC_API_KEY',
  openai: 'OPENAI_API_KEY',
  ollama: null,
  'openai-compatible': 'OPENAI_COMPATIBLE_API_KEY',
  discord: 'DISCORD_BOT_TOKEN',
};

export interface KeySource {
  /** The key, or null when this source has none for the provider. */
  get(provider: KeyName, envName?: string): Promise<string | null>;
  readonly label: string;
}

export function envKeys(env: NodeJS.ProcessEnv = process.env): KeySource {
  return {
    label: 'environment',
    async get(provider, envName) {
      const name = envName ?? DEFAULT_KEY_ENV[provider];
      const v = name ? env[name] : undefined;
      return v?.trim() ? v.trim() : null;
    },
  };
}

const KeysFile = z.record(z.string(), NonEmptyString);

/**
 * Headless key store: a JSON file of provider → key that only its owner can read. A file others can read
 * is refused, in words, rather than used: a leaked key costs money.
 */
export function fileKeys(path: string, projectDir: string): KeySource {
  const file = path.startsWith('~/')
    ? join(homedir(), path.slice(2))
    : isAbsolute(path)
      ? path
      : resolve(projectDir, path);
  let cache: Record<string, string> | null = null;
  return {
    label: file,
    async get(provider) {
      if (!cache) {
        let st: Stats;
        try {
          st = await stat(file);
        } catch {
          throw new GovernorError(
            'keys_file_missing',
            `keys file ${file} (agents.yaml keys_file) does not exist; create it with mode 0600, e.g. ` +
              `{"anthropic": "sk-…"}`,
          );
        }
        if ((st.mode & 0o077) !== 0)
          throw new GovernorError(
            'keys_file_permissions',
            `keys file ${file} is readable by others (mode ${(st.mode & 0o777).toString(8)}); run \`chmod ` +
              `600 ${file}\``,
          );
        const parsed = KeysFile.safeParse(JSON.parse(await readFile(file, 'utf8')));
        if (!parsed.success)
          throw new GovernorError('keys_file_invalid', `keys file ${file} must be a JSON object of provider → key`);
        cache = parsed.data;
      }
      return cache[provider] ?? null;
    },
  };
}

/** The first source that has a key wins: environment first, then the configured store. */
export function chainKeys(...sources: KeySource[]): KeySource {
  return {
    label: sources.map((s) => s.label).join(' → '),
    async get(provider, envName) {
      for (const s of sources) {
        const k = await s.get(provider, envName);
        if (k) return k;
      }
      return null;
    },
  };
}
