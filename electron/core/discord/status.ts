import { randomUUID } from 'node:crypto';
import type { DiscordChannelName, DiscordFile } from '../../../shared/config.ts';
import type { DiscordConfigSummary, DiscordStatus } from '../../../shared/contract.ts';
import type { OpenedProject } from '../host.ts';
import { GovernorError } from '../errors.ts';
import { hasDiscordFile } from './config.ts';
import { bridgeRow } from './lease.ts';
import { createOutbox } from './outbox.ts';
import { refusals } from './refusals.ts';
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
  const refused = refusals(p.ledger.db);
  return {
    refused: refused.latest,
    refused_24h: refused.last24h,
    configured,
    mode: file?.mode ?? null,
    running,
    connected: running && row?.connected === 1,
    ...counts,
    last_error: row?.last_error ?? (stuck ? `${stuck.key}: ${stuck.error} (${stuck.attempts} attempts)` : null),
    config: file ? configSummary(file) : null,
  };
}

const CHANNELS: readonly DiscordChannelName[] = ['project-updates', 'agent-concerns', 'approvals', 'system-health'];

/** discord.yaml in a few facts; secrets appear only as the names of the variables that hold them. */
function configSummary(file: DiscordFile): DiscordConfigSummary {
  const secrets: Record<string, string> = {};
  if (file.mode === 'bot') secrets.token = file.token_env;
  else for (const [channel, hook] of Object.entries(file.webhooks ?? {})) if (hook) secrets[channel] = hook.url_env;
  return {
    guild_id: file.guild_id ?? null,
    channels: Object.fromEntries(CHANNELS.map((c) => [c, file.channels[c] ?? c])),
    reviewers: { users: file.reviewers.users, roles: file.reviewers.roles },
    daily_status: file.daily_status ? `${file.daily_status.at} ${file.daily_status.timezone}` : null,
    secrets_env: secrets,
  };
}

/** Queue a test message for #system-health through the outbox, like any other message. */
export function queueTestMessage(p: OpenedProject, now: Date = new Date()): string {
  if (!p.discord)
    throw new GovernorError(
      'discord_not_configured',
      "this project has no discord.yaml; see the README's Discord section",
    );
  const key = `test:${now.toISOString()}:${randomUUID().slice(0, 8)}`;
  const message = renderNotification({
    event_id: key,
    channel: 'system-health',
    severity: 'info',
    title: '🧪 Governor test message',
    body: `Project: ${p.agentsFile.project}\nIf you can read this, Governor reaches this channel.`,
    ref: null,
  });
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
