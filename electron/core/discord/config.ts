/**
 * `discord.yaml`: the Discord link of a project. Validated like the other config files (errors name the
 * file, line and key). Secrets are not in it: the bot token and webhook URLs are read from the
 * environment (or the desktop app's key store) by name, when the bridge starts.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type DiscordChannelName, DiscordFile } from '../../../shared/config.ts';
import { ConfigError } from '../errors.ts';
import { parseConfigYaml, validateYaml, type ValidationResult } from '../config/load.ts';
import { type KeySource, chainKeys, envKeys } from '../secrets/keys.ts';

export const DISCORD_FILE = 'discord.yaml';
export const DEFAULT_API = 'https://discord.com/api';

export const discordFilePath = (dir: string) => join(dir, DISCORD_FILE);

export function hasDiscordFile(dir: string): boolean {
  return existsSync(discordFilePath(dir));
}

export function validateDiscordYaml(text: string): ValidationResult<DiscordFile> {
  return validateYaml(DiscordFile, text);
}

/** The parsed file, or null when the project has no Discord link. */
export async function loadDiscordFile(dir: string): Promise<DiscordFile | null> {
  const file = discordFilePath(dir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConfigError(file, 0, `cannot read the file: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseConfigYaml(DiscordFile, text, file);
}

/** Where each seed channel points: an id, or a name still to be resolved in the guild. */
export function channelRefs(f: DiscordFile): Record<DiscordChannelName, string> {
  return {
    'project-updates': f.channels['project-updates'] ?? 'project-updates',
    'agent-concerns': f.channels['agent-concerns'] ?? 'agent-concerns',
    approvals: f.channels.approvals ?? 'approvals',
    'system-health': f.channels['system-health'] ?? 'system-health',
  };
}

/** The bot token: the environment variable named in the file, then the key store under "discord". */
export async function discordToken(
  f: DiscordFile,
  extra?: KeySource,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | null> {
  const source = extra ? chainKeys(envKeys(env), extra) : envKeys(env);
  return source.get('discord', f.token_env);
}

export interface WebhookTarget {
  id: string;
  token: string;
}

/** Webhook mode: each configured channel's webhook, parsed from the URL in its environment variable. */
export function webhookTargets(
  f: DiscordFile,
  env: NodeJS.ProcessEnv = process.env,
): { targets: Partial<Record<DiscordChannelName, WebhookTarget>>; missing: string[] } {
  const targets: Partial<Record<DiscordChannelName, WebhookTarget>> = {};
  const missing: string[] = [];
  for (const [channel, spec] of Object.entries(f.webhooks ?? {}) as Array<[DiscordChannelName, { url_env: string }]>) {
    const url = env[spec.url_env]?.trim();
    const m = url ? /\/webhooks\/(\d+)\/([^/?#\s]+)/.exec(url) : null;
    if (!m?.[1] || !m[2]) {
      const why = url ? 'is not a webhook URL (…/api/webhooks/<id>/<token>)' : 'is not set';
      missing.push(`${channel}: ${spec.url_env} ${why}`);
      continue;
    }
    targets[channel] = { id: m[1], token: m[2] };
  }
  return { targets, missing };
}
