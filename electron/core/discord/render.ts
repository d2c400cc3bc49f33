import { ButtonStyle, ComponentType } from 'discord.js';
import type { Severity } from '../../../shared/index.ts';
import type { Notification } from '../notify/notifications.ts';
import { CUT_MARKER, LIMITS, clip } from './limits.ts';
import type { OutboundEmbed, OutboundMessage } from './message.ts';
import { customId, parseCustomId } from './custom-id.ts';

const COLOUR: Record<Severity, number> = { critical: 0xd83c3e, warning: 0xf0b232, info: 0x5865f2 };

/** A file name Discord and phones show well: the item id or a slug of the title. */
function fileName(n: Notification): string {
  const base = n.ref?.id ?? n.title.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40).toLowerCase();
  return `${base || 'message'}.md`;
}

/**
 * One embed per notification, in the seed's wording. When the text (or the excerpt the notification chose)
 * does not fit, the embed carries a cut version and the full text rides along as a `.md` attachment.
 * Review requests get the three decision buttons; their custom_id carries the review id.
 */
export function renderNotification(n: Notification): OutboundMessage {
  const files: OutboundMessage['files'] = [];
  const title = clip(n.title, LIMITS.embedTitle);
  let description = n.body;
  if (description.length > LIMITS.embedDescription || n.detail) {
    const full = n.detail ?? `# ${n.title}\n\n${n.body}\n`;
    files.push({ name: fileName(n), text: full });
    if (description.length > LIMITS.embedDescription) description = clip(description, LIMITS.embedDescription, `\n${CUT_MARKER}`);
    else description = `${description}\n_(full text attached)_`.slice(0, LIMITS.embedDescription);
  }
  const embed: OutboundEmbed = { title, color: COLOUR[n.severity], footer: { text: clip(`${n.channel} · ${n.event_id}`, LIMITS.embedFooter) } };
  if (description.trim()) embed.description = description;
  const review = n.ref?.kind === 'review' && !n.update && n.channel === 'approvals' ? n.ref.id : null;
  const components: OutboundMessage['components'] = review
    ? [
        {
          type: ComponentType.ActionRow,
          components: [
            { type: ComponentType.Button, style: ButtonStyle.Success, label: 'Approve', custom_id: customId('approve', review) },
            { type: ComponentType.Button, style: ButtonStyle.Secondary, label: 'Request changes', custom_id: customId('changes', review) },
            { type: ComponentType.Button, style: ButtonStyle.Primary, label: 'Clarify', custom_id: customId('clarify', review) },
          ],
        },
      ]
    : [];
  const opensThread = (n.ref?.kind === 'concern' || n.ref?.kind === 'review') && !n.update;
  const threadName = opensThread && n.ref ? clip(`${n.ref.id} · ${n.title.replace(/^\S+\s/, '')}`, LIMITS.threadName) : null;
  return { content: '', embeds: [embed], components, files, thread_name: threadName };
}

/**
 * Plain text for a reply (a slash command's answer): in a code-free message when it fits, otherwise cut
 * with the whole answer attached.
 */
export function renderText(text: string, name = 'reply.md'): { content: string; files: OutboundMessage['files'] } {
  if (text.length <= LIMITS.content) return { content: text, files: [] };
  return { content: clip(text, LIMITS.content, `\n${CUT_MARKER}`), files: [{ name, text }] };
}

/** Webhooks of a non-application owner cannot carry buttons: say where to decide instead. */
export function forWebhook(m: OutboundMessage): OutboundMessage {
  if (m.components.length === 0) return { ...m, thread_name: null };
  const first = m.components[0]?.components[0];
  const id = first && 'custom_id' in first ? (parseCustomId(first.custom_id)?.reviewId ?? '') : '';
  const hint = `Decide in the Governor app, or \`governor decide ${id} approve|changes|clarify -c "…"\`.`;
  const embeds = m.embeds.map((e, i) => (i === 0 ? { ...e, description: clip(`${e.description ?? ''}\n\n${hint}`, LIMITS.embedDescription) } : e));
  return { ...m, embeds, components: [], thread_name: null };
}
