import { ButtonStyle, ComponentType } from 'discord.js';
import { z } from 'zod';

/**
 * One message as the outbox stores it (JSON) and a sender posts it: the shapes of Discord's REST API, so
 * nothing is translated twice. Only the subset we render is allowed: a row is written by one version of
 * Governor and may be read by another, so the deliverer validates it rather than trusting a cast.
 * Files travel as text: everything we attach is Markdown.
 */
export const OutboundEmbed = z
  .object({
    title: z.string().max(256).optional(),
    description: z.string().max(4096).optional(),
    color: z.number().int().nonnegative().optional(),
    footer: z
      .object({ text: z.string().max(2048) })
      .strict()
      .optional(),
  })
  .strict();
export type OutboundEmbed = z.infer<typeof OutboundEmbed>;

export const OutboundButton = z
  .object({
    type: z.literal(ComponentType.Button),
    style: z.literal([ButtonStyle.Primary, ButtonStyle.Secondary, ButtonStyle.Success, ButtonStyle.Danger]),
    label: z.string().min(1).max(80),
    custom_id: z.string().min(1).max(100),
    /** Set once the item is decided: the message keeps its buttons, greyed out. */
    disabled: z.boolean().optional(),
  })
  .strict();

const Snowflakes = z.array(z.string().regex(/^\d{15,22}$/)).max(100);

export const OutboundMessage = z
  .object({
    content: z.string().max(2000),
    embeds: z.array(OutboundEmbed).max(10),
    components: z
      .array(
        z
          .object({ type: z.literal(ComponentType.ActionRow), components: z.array(OutboundButton).min(1).max(5) })
          .strict(),
      )
      .max(5),
    files: z.array(z.object({ name: z.string().min(1).max(200), text: z.string() }).strict()).max(10),
    /** When this message opens a concern's or review's thread: the thread's name. */
    thread_name: z.string().min(1).max(100).nullable(),
    /** Who `content` pings (Discord's allowed_mentions); nobody when absent, whatever the text says. */
    mentions: z.object({ users: Snowflakes, roles: Snowflakes }).strict().optional(),
    /** This row edits the first message posted about that item (to follow its state) instead of posting. */
    edit: z
      .object({ kind: z.string().min(1).max(20), id: z.string().min(1).max(80) })
      .strict()
      .optional(),
  })
  .strict();
export type OutboundMessage = z.infer<typeof OutboundMessage>;
