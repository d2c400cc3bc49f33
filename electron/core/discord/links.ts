import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { governorHome } from '../recent.ts';

/**
 * The projects linked to one bot in one guild, across processes: one small file per project under the
 * user's Governor folder. Every linked project's gateway client sees every interaction, so each needs to
 * know the others: to stay quiet about a click that is theirs, to offer their names when a slash command
 * needs a `project`, and to agree (without talking) which one answers what belongs to nobody.
 */
export const Link = z.object({
  tag: z.string(),
  name: z.string(),
  /** The ids of the channels this project posts in (its channel map, resolved). */
  channels: z.array(z.string()),
  /** Its agents (agents.yaml), for autocomplete before the command names its project. */
  agents: z.array(z.string()).default([]),
  pid: z.number().int(),
  host: z.string(),
  updated_at: z.string(),
});
export type Link = z.infer<typeof Link>;

function alive(l: Link): boolean {
  if (l.host !== hostname()) return true;
  try {
    process.kill(l.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface Links {
  announce(l: Omit<Link, 'pid' | 'host' | 'updated_at'>): void;
  withdraw(tag: string): void;
  /** The live links (this process's included once announced), by tag. */
  all(): Link[];
}

/** `api` is part of the folder: a proxy, or a test's fake Discord, is another Discord. */
export function createLinks(api: string, guild: string, home: string = governorHome()): Links {
  const dir = join(
    home,
    'discord-links',
    createHash('sha256').update(`${api}\u0000${guild}`).digest('hex').slice(0, 16),
  );
  const file = (tag: string) => join(dir, `${tag.replace(/[^A-Za-z0-9_-]/g, '_')}.json`);
  return {
    announce(l) {
      mkdirSync(dir, { recursive: true });
      const full: Link = { ...l, pid: process.pid, host: hostname(), updated_at: new Date().toISOString() };
      const tmp = `${file(l.tag)}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(full));
      renameSync(tmp, file(l.tag));
    },
    withdraw(tag) {
      try {
        const l = Link.parse(JSON.parse(readFileSync(file(tag), 'utf8')));
        if (l.pid === process.pid && l.host === hostname()) rmSync(file(tag), { force: true });
      } catch {
        // already gone, or someone else's now
      }
    },
    all() {
      let names: string[];
      try {
        names = readdirSync(dir).filter((n) => n.endsWith('.json'));
      } catch {
        return [];
      }
      const out: Link[] = [];
      for (const n of names) {
        try {
          const l = Link.safeParse(JSON.parse(readFileSync(join(dir, n), 'utf8')));
          if (l.success && alive(l.data)) out.push(l.data);
        } catch {
          // being replaced right now, or not ours: skip
        }
      }
      return out.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
    },
  };
}
