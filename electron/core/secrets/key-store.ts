import { chmod, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { KeyName as KeyNameSchema, NonEmptyString } from '../../../shared/index.ts';
import { writeFileAtomic } from '../artifacts/atomic.ts';
import { GovernorError } from '../errors.ts';
import { governorHome } from '../recent.ts';
import type { KeyName, KeySource } from './keys.ts';

/** A key source the human can write to from Settings. Keys go in; only names ever come back out. */
export interface KeyStore extends KeySource {
  set(name: KeyName, key: string): Promise<void>;
  remove(name: KeyName): Promise<void>;
  /** Which names have a stored key (never the keys themselves). */
  providers(): Promise<KeyName[]>;
}

const Stored = z.partialRecord(KeyNameSchema, NonEmptyString);
type Stored = z.infer<typeof Stored>;

export const hostKeysFile = (home = governorHome()) => join(home, 'keys.json');

/**
 * The headless host's key store: `~/.config/governor/keys.json` (or `$GOVERNOR_HOME/keys.json`), mode 0600,
 * the same shape as an agents.yaml `keys_file`. A server has no OS keychain to lean on, so this follows the
 * convention of ~/.aws/credentials or ~/.netrc: plain text only its owner can read. A file that others can
 * read is refused, in words, rather than used. The desktop app uses an OS-keychain store instead.
 */
export function hostKeyStore(file = hostKeysFile()): KeyStore {
  async function load(): Promise<Stored> {
    let text: string;
    try {
      const st = await stat(file);
      if ((st.mode & 0o077) !== 0)
        throw new GovernorError(
          'keys_file_permissions',
          `key store ${file} is readable by others (mode ${(st.mode & 0o777).toString(8)}); run \`chmod 600 ${file}\``,
        );
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (err instanceof GovernorError) throw err;
      return {};
    }
    let raw: unknown = null;
    try {
      raw = JSON.parse(text);
    } catch {
      // reported below with the file's name
    }
    const parsed = Stored.safeParse(raw);
    if (!parsed.success)
      throw new GovernorError(
        'keys_store_invalid',
        `key store ${file} is not a JSON object of name → key; fix or remove it and enter the keys again in Settings`,
      );
    return parsed.data;
  }
  async function save(data: Stored): Promise<void> {
    if (Object.keys(data).length === 0) {
      await rm(file, { force: true });
      return;
    }
    await writeFileAtomic(file, `${JSON.stringify(data, null, 2)}\n`, true);
    await chmod(file, 0o600);
  }
  return {
    label: file,
    async get(name) {
      return (await load())[name] ?? null;
    },
    async set(name, key) {
      const value = key.trim();
      if (!value) throw new GovernorError('invalid_input', `the ${name} key is empty`);
      await save({ ...(await load()), [name]: value });
    },
    async remove(name) {
      const { [name]: _gone, ...rest } = await load();
      await save(rest);
    },
    async providers() {
      return Object.keys(await load()).filter((k): k is KeyName => KeyNameSchema.safeParse(k).success);
    },
  };
}
