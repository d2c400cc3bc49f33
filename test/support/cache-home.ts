import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * Agents' workspaces and QA checkouts live in the user's cache folder, outside the project (see
 * electron/core/workflow/work-dirs.ts). Each test file gets its own cache folder instead, removed when the
 * file is done; CLI processes the tests start inherit it through the environment.
 */
if (!process.env.GOVERNOR_CACHE) {
  const dir = mkdtempSync(join(tmpdir(), 'governor-cache-'));
  process.env.GOVERNOR_CACHE = dir;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
}
