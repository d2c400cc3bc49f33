import { join } from 'node:path';
import { safeStorage } from 'electron';
import { type KeyCipher, type SecureKeyStore, secureKeys } from './secure-keys.ts';

/**
 * Electron's safeStorage as the key store's cipher. On Linux without a keyring safeStorage falls back to
 * a fixed, well-known password ("basic_text"); that is obfuscation, not encryption, so it counts as no
 * keychain and the human is told to use the environment or a 0600 keys file instead.
 */
export function safeStorageCipher(): KeyCipher {
  return {
    isAvailable: async () => (await safeStorage.isAsyncEncryptionAvailable()) && (process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text'),
    encrypt: (plain) => safeStorage.encryptStringAsync(plain),
    decrypt: async (data) => {
      const r = await safeStorage.decryptStringAsync(data);
      return { plain: r.result, stale: r.shouldReEncrypt };
    },
  };
}

/**
 * The desktop app's key store, in userData. It is meant to be consulted after the environment and the
 * agents.yaml keys_file (the engine's usual sources), which still win; wiring it into openProject needs
 * an engine option that does not exist yet (see the note in main.ts' startEngine).
 */
export function desktopKeyStore(userData: string): SecureKeyStore {
  return secureKeys(join(userData, 'provider-keys.json'), safeStorageCipher());
}
