import { DiscordAPIError, HTTPError } from 'discord.js';
import { GovernorError, errorMessage } from '../errors.ts';

/**
 * Why a send failed decides what the outbox does about it:
 * - `transient` (5xx, 429, network): retry with backoff, forever;
 * - `config` (no such channel, 401, 403, unknown channel or webhook): also retry forever, because the fix
 *   is outside the message (run `governor discord setup`, grant a permission, reset the token) and an
 *   alert must not be lost because it was raised before that fix; the status shows the error and the fix;
 * - `malformed` (400 / 413: Discord refuses this message's body): retrying cannot help, so after a few
 *   tries the row is set aside as undeliverable and the queue moves on.
 */
export type FailureKind = 'transient' | 'config' | 'malformed';

export interface Failure {
  kind: FailureKind;
  status: number | null;
  /** The error and, for a configuration problem, the fix. Not yet redacted. */
  text: string;
}

// Discord's JSON error codes that name a configuration problem rather than a bad message.
const UNKNOWN_CHANNEL = 10003;
const UNKNOWN_WEBHOOK = 10015;

function statusOf(err: unknown): number | null {
  if (err instanceof DiscordAPIError || err instanceof HTTPError) return err.status;
  return null;
}

export function classifyFailure(err: unknown): Failure {
  const status = statusOf(err);
  const base = `${status ? `HTTP ${status}: ` : ''}${errorMessage(err)}`;
  const code = err instanceof DiscordAPIError ? err.code : null;
  if (err instanceof GovernorError && err.code === 'discord_channel_missing')
    return { kind: 'config', status, text: base };
  if (status === 401)
    return {
      kind: 'config',
      status,
      text: `${base}; the bot token was refused: reset it in the developer portal and set it again`,
    };
  if (status === 403)
    return {
      kind: 'config',
      status,
      text:
        `${base}; the bot lacks a permission there: ` +
        'give it Send Messages, Create Public Threads, Send Messages in Threads and Attach Files',
    };
  if (status === 404 && (code === UNKNOWN_CHANNEL || code === UNKNOWN_WEBHOOK))
    return {
      kind: 'config',
      status,
      text: `${base}; check the channel ids and webhook URLs, or run \`governor discord setup\``,
    };
  if (status === 400 || status === 413) return { kind: 'malformed', status, text: base };
  if (status !== null && status >= 400 && status < 500 && status !== 408 && status !== 429)
    return { kind: 'config', status, text: base };
  return { kind: 'transient', status, text: base };
}
