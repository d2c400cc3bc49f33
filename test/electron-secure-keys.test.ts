import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chainKeys, envKeys } from '../electron/core/secrets/keys.ts';
import { type KeyCipher, secureKeys } from '../electron/main/secure-keys.ts';
import { tempDir } from './support/tmp.ts';

/** Stands in for safeStorage: real AES-GCM under a key that lives only in this process, as the OS keychain's would. */
function fakeCipher(available = true): KeyCipher & { calls: number; rotated: boolean } {
  const key = randomBytes(32);
  const c = {
    calls: 0,
    rotated: false,
    isAvailable: async () => available,
    async encrypt(plain: string) {
      c.calls++;
      const iv = randomBytes(12);
      const enc = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([enc.update(plain, 'utf8'), enc.final()]);
      return Buffer.concat([iv, enc.getAuthTag(), body]);
    },
    async decrypt(data: Buffer) {
      const dec = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      dec.setAuthTag(data.subarray(12, 28));
      return { plain: Buffer.concat([dec.update(data.subarray(28)), dec.final()]).toString('utf8'), stale: c.rotated };
    },
  };
  return c;
}

const SECRET = 'sk-ant-api03-THIS-IS-THE-PLAINTEXT-KEY-0123456789';

describe('desktop key store over an injected cipher', () => {
  it('round-trips a key, and the file on disk never holds the plaintext', async () => {
    const file = join(tempDir(), 'provider-keys.json');
    const store = secureKeys(file, fakeCipher());
    expect(await store.get('anthropic')).toBeNull();
    await store.set('anthropic', `  ${SECRET}\n`);
    expect(await store.get('anthropic')).toBe(SECRET);
    expect(await store.get('openai')).toBeNull();
    expect(await store.providers()).toEqual(['anthropic']);
    const raw = readFileSync(file);
    expect(raw.includes(SECRET)).toBe(false);
    expect(raw.includes(Buffer.from(SECRET).toString('base64').slice(0, 24))).toBe(false);
    expect(raw.includes('THIS-IS-THE-PLAINTEXT')).toBe(false);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(raw.toString('utf8'))).toMatchObject({
      version: 1,
      keys: { anthropic: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) },
    });
  });

  it('keeps several providers, removes one, and deletes the file with the last', async () => {
    const file = join(tempDir(), 'keys.json');
    const store = secureKeys(file, fakeCipher());
    await store.set('anthropic', 'a-key');
    await store.set('openai', 'o-key');
    await store.remove('anthropic');
    expect(await store.get('anthropic')).toBeNull();
    expect(await store.get('openai')).toBe('o-key');
    await store.remove('openai');
    expect(existsSync(file)).toBe(false);
  });

  it('another keychain (a different cipher key) cannot read the store, and says so', async () => {
    const file = join(tempDir(), 'keys.json');
    await secureKeys(file, fakeCipher()).set('openai', SECRET);
    await expect(secureKeys(file, fakeCipher()).get('openai')).rejects.toThrow(/cannot be decrypted/);
  });

  it('refuses to store without a keychain, and refuses a cipher that returns the plaintext', async () => {
    const file = join(tempDir(), 'keys.json');
    await expect(secureKeys(file, fakeCipher(false)).set('anthropic', SECRET)).rejects.toThrow(
      /no operating-system keychain/,
    );
    const leaky: KeyCipher = {
      isAvailable: async () => true,
      encrypt: async (p) => Buffer.from(`enc:${p}`),
      decrypt: async (b) => ({ plain: b.toString().slice(4), stale: false }),
    };
    await expect(secureKeys(file, leaky).set('anthropic', SECRET)).rejects.toThrow(/unencrypted/);
    expect(existsSync(file)).toBe(false);
    await expect(secureKeys(file, fakeCipher()).set('anthropic', '   ')).rejects.toThrow(/empty/);
  });

  it('encrypts a key again when the keychain says its key rotated', async () => {
    const file = join(tempDir(), 'keys.json');
    const cipher = fakeCipher();
    const store = secureKeys(file, cipher);
    await store.set('openai', SECRET);
    const before = readFileSync(file, 'utf8');
    expect(await store.get('openai')).toBe(SECRET);
    expect(readFileSync(file, 'utf8')).toBe(before);
    cipher.rotated = true;
    expect(await store.get('openai')).toBe(SECRET);
    expect(readFileSync(file, 'utf8')).not.toBe(before);
    expect(cipher.calls).toBe(2);
    cipher.rotated = false;
    expect(await store.get('openai')).toBe(SECRET);
  });

  it('reports a damaged store instead of treating it as empty', async () => {
    const file = join(tempDir(), 'keys.json');
    writeFileSync(file, '{"version": 1, "keys": {"anthropic": "not base64!"}}');
    await expect(secureKeys(file, fakeCipher()).get('anthropic')).rejects.toThrow(/damaged/);
    writeFileSync(file, '{"version": 1, "keys": {"unknown-provider": "QUJD"}}');
    await expect(secureKeys(file, fakeCipher()).providers()).rejects.toThrow(/damaged/);
  });

  it('is a KeySource: the environment still wins in the chain the app builds', async () => {
    const file = join(tempDir(), 'keys.json');
    const store = secureKeys(file, fakeCipher());
    await store.set('anthropic', 'from-keychain');
    await store.set('openai', 'openai-from-keychain');
    const chain = chainKeys(envKeys({ ANTHROPIC_API_KEY: 'from-env' }), store);
    expect(await chain.get('anthropic')).toBe('from-env');
    expect(await chain.get('openai')).toBe('openai-from-keychain');
    expect(store.label).toBe('desktop keychain');
  });
});
