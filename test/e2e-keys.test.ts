import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOTS } from '../e2e/support/renderer-build.ts';
import { initProject } from '../electron/core/project.ts';
import { uiTransports } from '../e2e/targets/target.ts';
import { type UiPage, openUiPage, uiPageUnavailable } from './support/hosted-page.ts';
import { tempDir } from './support/tmp.ts';

const UI = { timeout: 30_000 };
const KEY = 'sk-ant-e2e-key-9876543210zyxwvu';

/**
 * Settings → Providers and keys: a missing key is named with its variable, a key typed into the form is
 * stored and reported by where it came from, and the page never holds the key again. The headless host
 * keeps it in the user's Governor folder (0600); the desktop app encrypts it with the OS keychain
 * (safeStorage) into its data folder, so only ciphertext touches the disk. Also: discord.yaml starts from
 * a starter when the project has none.
 */
for (const transport of uiTransports()) {
  const skip = uiPageUnavailable(transport);
  describe.skipIf(skip !== null)(`provider keys in Settings (${transport})`, () => {
    let root: string;
    let home: string;
    let appData: string;
    let dir: string;
    let s: UiPage;
    const homeBefore = process.env.GOVERNOR_HOME;
    const keyBefore = process.env.ANTHROPIC_API_KEY;

    beforeAll(async () => {
      root = tempDir('governor-e2e-keys-');
      home = join(root, 'home');
      appData = join(root, 'appdata');
      dir = join(root, 'proj');
      process.env.GOVERNOR_HOME = home;
      delete process.env.ANTHROPIC_API_KEY;
      await initProject(dir, { name: 'keys' });
      const agents = readFileSync(join(dir, 'agents.yaml'), 'utf8').replace(
        'runtime: scripted',
        'runtime: anthropic:claude-sonnet-4-5',
      );
      writeFileSync(join(dir, 'agents.yaml'), agents);
      s = await openUiPage(transport, dir, { appData });
    });
    afterAll(async () => {
      await s?.close();
      if (homeBefore === undefined) delete process.env.GOVERNOR_HOME;
      else process.env.GOVERNOR_HOME = homeBefore;
      if (keyBefore !== undefined) process.env.ANTHROPIC_API_KEY = keyBefore;
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it('names the missing key, stores one typed in, and never shows it again', async () => {
      const { page } = s;
      await page.locator('.app-nav a, .app-nav button').filter({ hasText: 'Settings' }).first().click();
      const row = page.locator('[data-testid=key-row][data-key=anthropic]');
      await row.waitFor(UI);
      expect(await row.getAttribute('data-source')).toBe('none');
      expect(await row.textContent()).toMatch(/\$ANTHROPIC_API_KEY.*ProjectManager.*Missing/);

      await row.getByLabel('Anthropic key').fill(KEY);
      await row.getByRole('button', { name: 'Save' }).click();
      await page.locator('[data-testid=key-row][data-key=anthropic][data-source=store]').waitFor(UI);
      expect(await page.getByTestId('keys-note').textContent()).toMatch(/Anthropic key stored/);
      expect(await row.textContent()).toMatch(/Found, stored in Settings/);
      expect(await row.getByLabel('Anthropic key').inputValue()).toBe('');
      expect(await page.content()).not.toContain(KEY);

      if (transport === 'web') {
        const file = join(home, 'keys.json');
        expect(statSync(file).mode & 0o777).toBe(0o600);
        expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ anthropic: KEY });
      } else {
        // The desktop app: ciphertext only, in its data folder, sealed by the keychain.
        const file = join(appData, 'Governor', 'provider-keys.json');
        expect(statSync(file).mode & 0o777).toBe(0o600);
        const text = readFileSync(file, 'utf8');
        expect(text).not.toContain(KEY);
        expect(text).not.toContain(Buffer.from(KEY).toString('base64'));
        const sealed = (JSON.parse(text) as { keys: { anthropic?: string } }).keys.anthropic ?? '';
        const standIn = s.desktop?.standIn;
        if (standIn) {
          const sealings = standIn.calls.filter((c) => c.api === 'safeStorage.encryptStringAsync');
          expect(sealings.map((c) => c.args[0])).toEqual([KEY.length]);
          // What the stand-in's keychain sealed opens again to the key: it went through safeStorage, not around it.
          const opened = await standIn.electron.safeStorage.decryptStringAsync(Buffer.from(sealed, 'base64'));
          expect(opened.result).toBe(KEY);
        }
      }
      await page.screenshot({ path: join(SHOTS, `${transport}-settings-keys-stored.png`), fullPage: true });

      await row.getByRole('button', { name: 'Remove' }).click();
      await page.locator('[data-testid=key-row][data-key=anthropic][data-source=none]').waitFor(UI);
    });

    it('opens a starter discord.yaml when the project has none', async () => {
      const { page } = s;
      await page.getByRole('tab', { name: 'discord.yaml' }).click();
      await page.getByTestId('discord-yaml-new').waitFor(UI);
      await page.getByTestId('settings-issues').getByText('No problems found.').waitFor(UI);
      expect(await page.getByRole('tab', { name: 'discord.yaml' }).textContent()).toContain('•');
      expect(s.errors()).toEqual([]);
    });
  });
}
