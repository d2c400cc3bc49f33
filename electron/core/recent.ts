import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { RecentProject } from '../../shared/index.ts';
import { writeFileAtomic } from './artifacts/atomic.ts';
import { AGENTS_FILE } from './config/load.ts';

/** How many projects the list keeps: enough to find yesterday's, few enough to read at a glance. */
export const RECENT_MAX = 10;

const Entry = z.object({ dir: z.string(), name: z.string(), opened_at: z.string() });
const RecentFile = z.object({ version: z.literal(1), projects: z.array(Entry) });
type Entry = z.infer<typeof Entry>;

/**
 * The user's Governor folder (not a project's): `$GOVERNOR_HOME` when set — tests point it at a temp
 * dir so they never touch the real one — else `~/.config/governor`, beside the optional keys file.
 */
export function governorHome(): string {
  const fromEnv = process.env.GOVERNOR_HOME;
  return fromEnv ? resolve(fromEnv) : join(homedir(), '.config', 'governor');
}

export const recentFile = (home = governorHome()) => join(home, 'recent.json');

async function readEntries(home: string): Promise<Entry[]> {
  let text: string;
  try {
    text = await readFile(recentFile(home), 'utf8');
  } catch {
    return [];
  }
  // A damaged list is a lost convenience, not an error worth stopping for: it is rewritten on the next open.
  try {
    const parsed = RecentFile.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.projects : [];
  } catch {
    return [];
  }
}

/** Recent projects, most recent first; a folder that is gone (or no longer a project) is marked missing. */
export async function readRecent(home = governorHome()): Promise<RecentProject[]> {
  return (await readEntries(home)).map((e) => ({ ...e, missing: !existsSync(join(e.dir, AGENTS_FILE)) }));
}

/** Put a project at the top of the list (once), keep the newest RECENT_MAX, and write the file atomically. */
export async function rememberProject(
  project: { dir: string; name: string },
  opts: { home?: string; now?: Date } = {},
): Promise<RecentProject[]> {
  const home = opts.home ?? governorHome();
  const dir = resolve(project.dir);
  const entries = [
    { dir, name: project.name, opened_at: (opts.now ?? new Date()).toISOString() },
    ...(await readEntries(home)).filter((e) => e.dir !== dir),
  ].slice(0, RECENT_MAX);
  await writeFileAtomic(recentFile(home), `${JSON.stringify({ version: 1, projects: entries }, null, 2)}\n`);
  return readRecent(home);
}
