import { randomUUID } from 'node:crypto';
import type { DiscordStatus } from '../../../shared/contract.ts';
import type { OpenedProject } from '../host.ts';
import { GovernorError } from '../errors.ts';
import { hasDiscordFile } from './config.ts';
import { bridgeRow } from './lease.ts';
import { createOutbox } from './outbox.ts';
import { renderNotification } from './render.ts';

/** What Settings and `governor discord status` show; read from the database, so any process can answer. */
export function discordStatus(p: OpenedProject): DiscordStatus {
  const file = p.discord ?? null;
  const configured = file !== null || hasDiscordFile(p.dir);
  const outbox = createOutbox(p.ledger.db);
  const counts = outbox.counts();
  const row = bridgeRow(p.ledger.db);
  const running = row !== null && row.lease_until > Date.now();
  const stuck = outbox.lastError();
  return {
    configured,
    mode: file?.mode ?? null,
    running,
    connected: running && row?.connected === 1,
    ...counts,
    last_error: row?.last_error ?? (stuck ? `${stuck.key}: ${stuck.error} (${stuck.attempts} attempts)` : null),
  };
}

/** Queue a test message for #system-health through the outbox, like any other message. */
export function queueTestMessage(p: OpenedProject, now: Date = new Date()): string {
  if (!p.discord) throw new GovernorError('discord_not_configured', 'this project has no discord.yaml; see the README\'s Discord section');
  const key = `test:${now.toISOString()}:${randomUUID().slice(0, 8)}`;
  const message = renderNotification({ event_id: key, channel: 'system-health', severity: 'info', title: '🧪 Governor test message', body: `Project: ${p.agentsFile.project}\nIf you can read this, Governor reaches this channel.`, ref: null });
  createOutbox(p.ledger.db).enqueue({ key, channel: 'system-health', ref: null, message }, now);
  return key;
}

/**
 * Queue the undeliverable (dead) messages again, after their cause was fixed. A running bridge sees the
 * database change and sends them, oldest first; they go out after the messages already delivered.
 */
export function retryDead(p: OpenedProject): number {
  return createOutbox(p.ledger.db).requeueDead();
}
