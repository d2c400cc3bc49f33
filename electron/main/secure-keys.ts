import { chmod, readFile, rm } from 'node:fs/promises';
import { z } from 'zod';
import { KeyName } from '../../shared/index.ts';
import { writeFileAtomic } from '../core/artifacts/atomic.ts';
import { GovernorError } from '../core/errors.ts';
import type { KeyName as Provider, KeySource } from '../core/secrets/keys.ts';

/**
 * Provider API keys for the desktop app, encrypted with the operating system's keychain (Electron's
 * safeStorage: Keychain on macOS, DPAPI on Windows, libsecret/kwallet on Linux) and kept in a file in
 * userData. Only ciphertext ever touches the disk. The cipher is injected, so the store is tested under
 * plain Node with a fake one and `main.ts` hands it safeStorage.
 */

/** Asynchronous, like safeStorage's current API (the synchronous calls are deprecated). */
export interface KeyCipher {
  /** False when there is no OS-backed key to encrypt with (see `safeStorageCipher` in keychain.ts). */
  isAvailable(): Promise<boolean>;
  encrypt(plain: string): Promise<Buffer>;
  /** `stale`: the keychain rotated its key; the value should be encrypted again. */
  decrypt(data: Buffer): Promise<{ plain: string; stale: boolean }>;
}

export interface SecureKeyStore extends KeySource {
  set(provider: Provider, key: string): Promise<void>;
  remove(provider: Provider): Promise<void>;
  /** Which providers have a stored key (never the keys themselves). */
  providers(): Promise<Provider[]>;
}

const StoredKeys = z
  .object({ version: z.literal(1), keys: z.partialRecord(KeyName, z.string().regex(/^[A-Za-z0-9+/]+=*$/)) })
  .strict();
type StoredKeys = z.infer<typeof StoredKeys>;

const EMPTY: StoredKeys = { version: 1, keys: {} };

export function secureKeys(file: string, cipher: KeyCipher): SecureKeyStore {
  async function load(): Promise<StoredKeys> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return { version: 1, keys: {} };
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      raw = null;
    }
    const parsed = StoredKeys.safeParse(raw);
    // A damaged store is reported, not silently emptied: the human would otherwise re-enter keys and wonder why.
    if (!parsed.success)
      throw new GovernorError(
        'keys_store_invalid',
        `the key store ${file} is damaged; remove it and enter the keys again in Settings`,
      );
    return parsed.data;
  }

  async function requireCipher(action: string): Promise<void> {
    if (!(await cipher.isAvailable()))
      throw new GovernorError(
        'keychain_unavailable',
        `cannot ${action}: no operating-system keychain is available to encrypt keys with; set the ` +
          `provider's environment variable (e.g. ANTHROPIC_API_KEY) or a keys_file in agents.yaml ` +
          `instead`,
      );
  }

  async function write(data: StoredKeys): Promise<void> {
    if (Object.keys(data.keys).length === 0) {
      await rm(file, { force: true });
      return;
    }
    await writeFileAtomic(file, `${JSON.stringify(data, null, 2)}\n`, true);
    // Ciphertext only, but still nobody else's business.
    await chmod(file, 0o600);
  }

  async function seal(provider: Provider, value: string): Promise<void> {
    const name = KeyName.parse(provider);
    // Saving a key over a damaged store replaces it: what it held could not be read back anyway.
    const data = await load().catch((): StoredKeys => ({ ...EMPTY, keys: {} }));
    const sealed = await cipher.encrypt(value);
    // A cipher that hands back the plaintext (a keychain stub, a broken backend) must not get to write it.
    if (sealed.includes(Buffer.from(value)))
      throw new GovernorError('keychain_unsafe', 'the keychain returned the key unencrypted; refusing to store it');
    await write({ version: 1, keys: { ...data.keys, [name]: sealed.toString('base64') } });
  }

  return {
    label: 'desktop keychain',
    async get(provider) {
      const stored = (await load()).keys[provider];
      if (!stored) return null;
      await requireCipher(`read the ${provider} key`);
      let opened: { plain: string; stale: boolean };
      try {
        opened = await cipher.decrypt(Buffer.from(stored, 'base64'));
      } catch {
        throw new GovernorError(
          'keys_store_undecryptable',
          `the stored ${provider} key cannot be decrypted (the keychain changed?); enter it again in Settings`,
        );
      }
      const key = opened.plain.trim();
      if (key && opened.stale) await seal(provider, key);
      return key || null;
    },
    async set(provider, key) {
      const value = key.trim();
      if (!value) throw new GovernorError('invalid_input', `the ${provider} key is empty`);
      await requireCipher(`store the ${provider} key`);
      await seal(provider, value);
    },
    async remove(provider) {
      const data = await load();
      const { [provider]: _gone, ...rest } = data.keys;
      await write({ version: 1, keys: rest });
    },
    async providers() {
      return Object.keys((await load()).keys).filter((k): k is Provider => KeyName.safeParse(k).success);
    },
  };
}
