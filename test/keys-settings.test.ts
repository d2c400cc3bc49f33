import { chmodSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApi, createLoopRunner, dispatch } from '../electron/core/api.ts';
import { type OpenedProject, openProject } from '../electron/core/host.ts';
import { initProject } from '../electron/core/project.ts';
import { hostKeyStore } from '../electron/core/secrets/key-store.ts';
import { tempDir } from './support/tmp.ts';

const KEY = 'sk-ant-test-0123456789abcdefghij';

/** Every file under a folder, as text, to prove a key was never written where it should not be. */
function allText(dir: string): string {
  let out = '';
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out += readFileSync(join(e.parentPath, e.name), 'latin1');
  }
  return out;
}

describe('Settings → providers and keys, through the contract', () => {
  let dir: string;
  let home: string;
  let p: OpenedProject;
  let api: ReturnType<typeof createApi>;
  const env = { ...process.env };

  beforeEach(async () => {
    delete process.env.ANTHROPIC_API_KEY;
    delete process.env.OPENAI_API_KEY;
    dir = tempDir();
    home = tempDir('governor-home-');
    await initProject(dir, { name: 'keys' });
    // Two roles on models, one on a local server that needs no key; the others stay scripted.
    const agents = readFileSync(join(dir, 'agents.yaml'), 'utf8')
      .replace('runtime: scripted', 'runtime: anthropic:claude-sonnet-4-5')
      .replace('runtime: scripted', 'runtime: ollama:qwen2.5-coder');
    writeFileSync(join(dir, 'agents.yaml'), agents);
    p = await openProject(dir, { keyStore: hostKeyStore(join(home, 'keys.json')) });
    api = createApi(
      p,
      createLoopRunner(p, () => {}),
      { user: 'Human', source: 'ui' },
    );
  });
  afterEach(() => {
    p?.close();
    process.env = { ...env };
  });

  it('says which keys the runtimes need and where each is found, then stores one (0600) without ever returning it', async () => {
    const before = await dispatch(api, 'keys.list', {});
    expect(before.store).toBe(join(home, 'keys.json'));
    expect(before.keys.map((k) => [k.name, k.env, k.required, k.source])).toEqual([
      ['anthropic', 'ANTHROPIC_API_KEY', true, null],
      ['ollama', null, false, null],
    ]);

    const after = await dispatch(api, 'keys.set', { name: 'anthropic', key: `  ${KEY}\n` });
    expect(after.keys.find((k) => k.name === 'anthropic')?.source).toBe('store');
    expect(after.stored).toEqual(['anthropic']);
    expect(JSON.stringify(after)).not.toContain(KEY);
    const file = join(home, 'keys.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ anthropic: KEY });
    // The engine picked it up at once: it is a secret the redactor masks from now on.
    expect(p.redactor?.redact(`calling with ${KEY}`)).toBe('calling with «redacted»');
    // And it went nowhere near the project: not the ledger, the exports or git.
    expect(allText(dir)).not.toContain(KEY);

    // The environment still wins over the store.
    process.env.ANTHROPIC_API_KEY = 'sk-ant-from-env-000000000000';
    expect((await dispatch(api, 'keys.list', {})).keys[0]?.source).toBe('environment');
    delete process.env.ANTHROPIC_API_KEY;

    const removed = await dispatch(api, 'keys.remove', { name: 'anthropic' });
    expect(removed.keys[0]?.source).toBeNull();
    expect(existsSync(file)).toBe(false);
  });

  it('refuses an empty or spaced key, and a store others can read, in words', async () => {
    await expect(dispatch(api, 'keys.set', { name: 'anthropic', key: '   ' })).rejects.toThrow(/the key is empty/);
    await expect(dispatch(api, 'keys.set', { name: 'anthropic', key: 'two words' })).rejects.toThrow(/no spaces/);
    writeFileSync(join(home, 'keys.json'), JSON.stringify({ anthropic: KEY }));
    chmodSync(join(home, 'keys.json'), 0o644);
    const list = await dispatch(api, 'keys.list', {});
    expect(list.keys[0]?.source).toBeNull();
    expect(list.keys[0]?.problem).toMatch(/readable by others .*chmod 600/);
  });

  it('lists the Discord bot token once discord.yaml asks for a bot, and reads a missing discord.yaml as a valid starter', async () => {
    const starter = await dispatch(api, 'config.read', { file: 'discord.yaml' });
    expect(starter.exists).toBe(false);
    expect(starter.text).toMatch(/mode: bot/);
    expect((await dispatch(api, 'config.validate', { file: 'discord.yaml', text: starter.text })).ok).toBe(true);
    const bad = await dispatch(api, 'config.validate', { file: 'discord.yaml', text: 'mode: bot\nguild_id: "1"\n' });
    expect(bad.ok).toBe(false);
    expect(bad.issues.some((i) => i.line === 2 && /guild_id/.test(i.path))).toBe(true);
    expect((await dispatch(api, 'config.write', { file: 'discord.yaml', text: starter.text })).ok).toBe(true);
    expect((await dispatch(api, 'config.read', { file: 'discord.yaml' })).exists).toBe(true);

    p.close();
    p = await openProject(dir, { keyStore: hostKeyStore(join(home, 'keys.json')) });
    api = createApi(
      p,
      createLoopRunner(p, () => {}),
      { user: 'Human', source: 'ui' },
    );
    const list = await dispatch(api, 'keys.list', {});
    expect(list.keys.find((k) => k.name === 'discord')).toMatchObject({
      env: 'DISCORD_BOT_TOKEN',
      used_by: ['Discord bot'],
      required: true,
      source: null,
    });
  });

  it('says plainly when a front end has no key store', async () => {
    p.close();
    p = await openProject(dir);
    api = createApi(
      p,
      createLoopRunner(p, () => {}),
      { user: 'Human', source: 'ui' },
    );
    expect((await dispatch(api, 'keys.list', {})).store).toBeNull();
    await expect(dispatch(api, 'keys.set', { name: 'anthropic', key: KEY })).rejects.toThrow(
      /no key store; set the key in the environment/,
    );
  });
});
