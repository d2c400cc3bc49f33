import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOTS } from '../e2e/support/renderer-build.ts';
import { initProject } from '../electron/core/project.ts';
import { type HostedPage, hostedPageUnavailable, openHostedPage } from './support/hosted-page.ts';
import { tempDir } from './support/tmp.ts';

const UI = { timeout: 30_000 };
const KEY = 'sk-ant-e2e-key-9876543210zyxwvu';
const skip = hostedPageUnavailable();

/**
 * Settings → Providers and keys, in real Chromium: a missing key is named with its variable, a key typed
 * into the form is stored 0600 in the user's Governor folder and reported by where it came from, and the
 * page never holds the key again. Also: discord.yaml starts from a starter when the project has none.
 */
describe.skipIf(skip !== null)('provider keys in Settings (web)', () => {
  let root: string;
  let home: string;
  let dir: string;
  let s: HostedPage;
  const homeBefore = process.env.GOVERNOR_HOME;
  const keyBefore = process.env.ANTHROPIC_API_KEY;

  beforeAll(async () => {
    root = tempDir('governor-e2e-keys-');
    home = join(root, 'home');
    dir = join(root, 'proj');
    process.env.GOVERNOR_HOME = home;
    delete process.env.ANTHROPIC_API_KEY;
    await initProject(dir, { name: 'keys' });
    const agents = readFileSync(join(dir, 'agents.yaml'), 'utf8').replace('runtime: scripted', 'runtime: anthropic:claude-sonnet-4-5');
    writeFileSync(join(dir, 'agents.yaml'), agents);
    s = await openHostedPage(dir);
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

    const file = join(home, 'keys.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ anthropic: KEY });
    await page.screenshot({ path: join(SHOTS, 'settings-keys-stored.png'), fullPage: true });

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
