import { join } from 'node:path';
import { type KeyCipher, type SecureKeyStore, secureKeys } from './secure-keys.ts';
import type { SafeStorageSurface } from './surface.ts';

/**
 * Electron's safeStorage as the key store's cipher. On Linux without a keyring safeStorage falls back to
 * a fixed, well-known password ("basic_text"); that is obfuscation, not encryption, so it counts as no
 * keychain and the human is told to use the environment or a 0600 keys file instead.
 */
export function safeStorageCipher(safeStorage: SafeStorageSurface, platform: NodeJS.Platform): KeyCipher {
  return {
    isAvailable: async () =>
      (await safeStorage.isAsyncEncryptionAvailable()) &&
      (platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text'),
    encrypt: (plain) => safeStorage.encryptStringAsync(plain),
    decrypt: async (data) => {
      const r = await safeStorage.decryptStringAsync(data);
      return { plain: r.result, stale: r.shouldReEncrypt };
    },
  };
}

/**
 * The desktop app's key store, in userData: consulted after the environment and the agents.yaml keys_file
 * (the engine's usual sources, which still win), and where Settings › Providers and keys stores a key.
 */
export function desktopKeyStore(
  userData: string,
  safeStorage: SafeStorageSurface,
  platform: NodeJS.Platform,
): SecureKeyStore {
  return secureKeys(join(userData, 'provider-keys.json'), safeStorageCipher(safeStorage, platform));
}
