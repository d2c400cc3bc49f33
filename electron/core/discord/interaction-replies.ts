import {
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  MessageFlags,
  type ModalSubmitInteraction,
} from 'discord.js';
import { LIMITS, clip } from './limits.ts';
import { forPhone } from './phone-text.ts';

/** An interaction that can change something: a slash command, a button click or a submitted form. */
export type Acting = ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction;

export const kindOf = (i: Acting): 'slash' | 'button' | 'modal' =>
  i.isChatInputCommand() ? 'slash' : i.isButton() ? 'button' : 'modal';

/** What was used, for logs and the ledger: `/pause agent:Designer`, or the button's custom id. */
export const nameOf = (i: Acting): string =>
  (i.isChatInputCommand()
    ? `/${i.commandName}${i.options.data.map((o) => ` ${o.name}:${String(o.value ?? '')}`).join('')}`
    : i.customId
  ).slice(0, 120);

/** How a Discord user appears in the ledger and in PROJECT_DETAIL: their Discord name (the source says "discord"). */
export const who = (i: Acting) => i.user.username.slice(0, 60);

/**
 * How Governor answers an interaction in words: redacted (the text may quote an error), fitted to a phone and
 * to Discord's limit, and private where it refuses something, so a refusal never clutters the channel.
 */
export function interactionReplies(redact: (text: string) => string, log?: (line: string) => void) {
  const say = (text: string) => clip(forPhone(redact(text)), LIMITS.content);
  return {
    say,

    /** Input we will not act on: say why, privately, before anything is deferred or changed. */
    async refuseInput(i: Acting, why: string): Promise<void> {
      log?.(`discord: refused ${kindOf(i)} ${nameOf(i)} from ${i.user.username}: ${why}`);
      await i.reply({
        content: say(`⚠️ Governor did not accept that: ${why}. Nothing was changed.`),
        flags: MessageFlags.Ephemeral,
      });
    },

    /**
     * Every refusal ("already decided", "already acknowledged", "already started", a command not taken) is
     * private, whichever path found it: a deferred public "thinking…" is removed and the answer sent privately.
     */
    async privately(i: Acting, text: string): Promise<void> {
      if (i.deferred || i.replied) {
        await i.deleteReply().catch(() => undefined);
        await i.followUp({ content: say(text), flags: MessageFlags.Ephemeral });
      } else await i.reply({ content: say(text), flags: MessageFlags.Ephemeral });
    },
  };
}

export type InteractionReplies = ReturnType<typeof interactionReplies>;
