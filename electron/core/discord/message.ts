import type { APIActionRowComponent, APIButtonComponent, APIEmbed } from 'discord.js';

/**
 * One message as the outbox stores it (JSON) and a sender posts it: the shapes of Discord's REST API, so
 * nothing is translated twice. Files travel as text: everything we attach is Markdown.
 */
export interface OutboundMessage {
  content: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponent>[];
  files: Array<{ name: string; text: string }>;
  /** When this message opens a concern's or review's thread: the thread's name. */
  thread_name: string | null;
}
