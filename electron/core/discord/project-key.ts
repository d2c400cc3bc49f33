import type Database from 'better-sqlite3';
import type { DiscordFile } from '../../../shared/config.ts';
import { projectTag } from './custom-id.ts';
import type { RenderContext } from './render.ts';

/**
 * The project's identity on Discord: its first event id, which never changes (a copied folder keeps it,
 * which is why a click is also checked against the messages this project's outbox posted). Part of every
 * nonce, and hashed into the tag every custom id carries.
 */
export function projectKeyOf(db: Database.Database, fallback: string): string {
  return db.prepare<[], { id: string }>('SELECT id FROM events WHERE seq = 1').get()?.id ?? fallback;
}

/** Who messages that ping mention: `mentions` when set, else the reviewers. */
export function mentionsOf(file: DiscordFile): { users: string[]; roles: string[] } {
  return file.mentions ?? { users: file.reviewers.users, roles: file.reviewers.roles };
}

export function renderContext(file: DiscordFile, key: string, project: string): RenderContext {
  return { tag: projectTag(key), project, mentions: mentionsOf(file), webUrl: file.web_url ?? null };
}
