import {
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  MessageFlags,
  type ModalSubmitInteraction,
} from 'discord.js';
import type { DiscordFile } from '../../../shared/config.ts';
import { agentNames } from '../../../shared/index.ts';
import { type LoopDriver, createApi, dispatch, followUp } from '../api.ts';
import { GovernorError, errorMessage } from '../errors.ts';
import type { OpenedProject } from '../host.ts';
import { createButtonActions } from './button-actions.ts';
import { parseCustomId } from './custom-id.ts';
import { discordHelp, refusalText } from './help.ts';
import { slashCommandText } from './inbound.ts';
import { type Acting, interactionReplies, kindOf, nameOf, who } from './interaction-replies.ts';
import { createOutbox } from './outbox.ts';
import { forPhone } from './phone-text.ts';
import { renderText } from './render.ts';
import { type Me, type Route, agentChoices, projectChoices, routeComponent, routeSlash } from './routing.ts';

export interface InteractionDeps {
  p: OpenedProject;
  file: DiscordFile;
  /** The facts routing needs: this project's tag and name, the live links, what it posted. */
  me: () => Me;
  /** The loop a decision or command wakes; the API syncs the exports after it, as for every surface. */
  loop: LoopDriver;
  log?: (line: string) => void;
  /** Secrets out of any text this handler itself composes for Discord (error replies). */
  redact?: (text: string) => string;
  /** How long a late answer waits for the right project's own (tests shorten it). */
  lateMs?: number;
}

/** The project the clicked message's footer names ("<project> · #channel"): for a wrong-project answer. */
function footerProject(i: ButtonInteraction | ModalSubmitInteraction): string | null {
  const text = i.message?.embeds[0]?.footer?.text ?? '';
  const name = text.split(' · ')[0]?.trim();
  return name ? name.slice(0, 100) : null;
}

/**
 * Every interaction, in this order: route it (routing.ts: is it this project's at all? a wrong-project
 * click is answered, and changes nothing); dedup by interaction id (Discord delivering the same interaction
 * twice acts once; two clicks are two interactions, and the first decision wins); authorise against the
 * reviewer allowlist (a refusal is ephemeral, recorded in the ledger, and changes nothing else); validate
 * what it carries (inbound.ts); acknowledge within Discord's 3 s (defer, or show the modal, which must be
 * the first response); then act through the same contract call as the other surfaces, and answer.
 */
export function createInteractionHandler(d: InteractionDeps) {
  const { p, file } = d;
  const agents = agentNames(p.agentsFile);
  const redact = d.redact ?? ((t: string) => t);
  const outbox = createOutbox(p.ledger.db);
  const firstSeen = p.ledger.db.prepare(
    'INSERT OR IGNORE INTO discord_interactions (id, kind, user_id, received_at) VALUES (?, ?, ?, ?)',
  );
  // The API as this Discord user: the ledger names them, the source says Discord, and the contract call
  // records, syncs the exports and wakes the loop, as for the UI and the CLI.
  const apiFor = (i: Acting) => createApi(p, d.loop, { user: who(i), source: 'discord' });
  const replies = interactionReplies(redact, d.log);
  const { say, refuseInput, privately } = replies;
  const { onButton, onModal } = createButtonActions({ p, tag: () => d.me().tag, apiFor, replies });

  function authorised(i: Acting): boolean {
    if (file.reviewers.users.includes(i.user.id)) return true;
    const member = i.member;
    if (!member || file.reviewers.roles.length === 0) return false;
    const roles = Array.isArray(member.roles) ? member.roles : [...member.roles.cache.keys()];
    return roles.some((r) => file.reviewers.roles.includes(r));
  }

  async function onSlash(i: ChatInputCommandInteraction): Promise<void> {
    // `project` chose where the command goes (routing); the command itself does not take it.
    const options = i.options.data.filter((o) => o.name !== 'project');
    const text = slashCommandText(i.commandName, options, agents);
    if (!text.ok) return refuseInput(i, text.error);
    // Help on Discord lists what Discord has (its registered commands), not the console's grammar; it
    // changes nothing and is the same for every project, so it is answered here.
    if (i.commandName === 'help') {
      const topic = options.find((o) => o.name === 'command')?.value;
      await i.reply({ content: say(discordHelp(typeof topic === 'string' ? topic : null)) });
      return;
    }
    const deferred = await i.deferReply({ withResponse: true });
    // `/phase next` is the contract's own call, as the dashboard's "Start phase N" makes it.
    const res =
      text.value === '/phase next'
        ? await dispatch(apiFor(i), 'phase.next', {})
        : await dispatch(apiFor(i), 'commands.run', { text: text.value });
    if (res.error) return privately(i, refusalText(res.error));
    // The agent answers a /clarify later, as its own message: it goes where the question was asked, as a
    // reply to this answer (the outbox looks this up when it delivers the answer).
    const replyId = deferred.interaction.responseMessageId;
    if (res.command_id && i.commandName === 'clarify' && replyId) {
      outbox.saveThread(
        { kind: 'command', id: res.command_id },
        { channel_id: i.channelId, message_id: replyId, thread_id: i.channelId },
      );
    }
    const reply = renderText(forPhone(res.response), `${res.command_id ?? 'reply'}.md`);
    await i.editReply({
      content: reply.content,
      files: reply.files.map((f) => ({ name: f.name, attachment: Buffer.from(f.text, 'utf8') })),
    });
  }

  function route(i: Acting | AutocompleteInteraction): Route {
    const me = d.me();
    if (i.isChatInputCommand() || i.isAutocomplete()) {
      const project = i.options.data.find((o) => o.name === 'project');
      const parent = i.channel?.isThread() ? i.channel.parentId : null;
      return routeSlash(
        me,
        typeof project?.value === 'string' && project.value ? project.value : null,
        i.channelId ?? '',
        parent,
        i.commandName === 'help',
      );
    }
    return routeComponent(me, parseCustomId(i.customId), i.message?.id ?? null, footerProject(i));
  }

  async function onAutocomplete(i: AutocompleteInteraction): Promise<void> {
    const focused = i.options.getFocused(true);
    const typed = String(focused.value);
    const choices =
      focused.name === 'project'
        ? projectChoices(d.me(), typed)
        : focused.name === 'agent'
          ? agentChoices(d.me(), route(i), agents, typed, i.commandName === 'pause' || i.commandName === 'resume')
          : null;
    if (choices) await i.respond(choices).catch(() => undefined); // another project may have answered first
  }

  return async function handle(i: Interaction): Promise<void> {
    if (i.isAutocomplete()) return onAutocomplete(i);
    if (!i.isChatInputCommand() && !i.isButton() && !i.isModalSubmit()) return;
    let routed = route(i);
    if (routed.kind === 'late') {
      // The message may be this project's and still being recorded (a click right after the post): look again.
      await new Promise((r) => setTimeout(r, d.lateMs ?? 1500));
      routed = route(i);
    }
    if (routed.kind === 'quiet') return;
    if (routed.kind === 'answer' || routed.kind === 'late') {
      d.log?.(`discord: ${kindOf(i)} ${nameOf(i)} from ${i.user.username} is not this project's: ${routed.text}`);
      // Late: the right project may have answered already; Discord then refuses this one, as it should.
      await i.reply({ content: say(routed.text), flags: MessageFlags.Ephemeral }).catch(() => undefined);
      return;
    }
    const kind = kindOf(i);
    const fresh = firstSeen.run(i.id, kind, i.user.id, new Date().toISOString()).changes > 0;
    if (!fresh) return; // the first delivery of this interaction answers it
    try {
      if (!authorised(i)) {
        const since = p.ledger.count();
        p.ledger.append([
          {
            type: 'discord.interaction_refused',
            actor: 'System',
            payload: {
              interaction_id: i.id,
              user_id: i.user.id,
              user_name: i.user.username.slice(0, 100),
              kind,
              name: nameOf(i),
            },
          },
        ]);
        d.log?.(
          `discord: refused ${kind} ${nameOf(i)} from ${i.user.username} (${i.user.id}): not on the reviewer allowlist`,
        );
        try {
          await i.reply({
            content:
              "⛔ You are not on this project's reviewer allowlist (discord.yaml `reviewers`), " +
              'so Governor did nothing. The attempt was recorded.',
            flags: MessageFlags.Ephemeral,
          });
        } finally {
          // Recorded like any change the API makes, the exports follow (after the answer: Discord allows 3 s).
          await followUp(p, d.loop, { since, wake: false });
        }
        return;
      }
      if (i.isChatInputCommand()) await onSlash(i);
      else if (i.isButton()) await onButton(i);
      else await onModal(i);
    } catch (err) {
      const message = redact(
        err instanceof GovernorError || (err instanceof Error && err.name === 'ZodError')
          ? errorMessage(err)
          : `Something went wrong: ${errorMessage(err)}`,
      );
      d.log?.(`discord: ${kind} ${nameOf(i)}: ${errorMessage(err)}`);
      try {
        await privately(i, `⚠️ ${message}`);
      } catch {
        // The interaction token may have expired; the ledger has the facts.
      }
    }
  };
}
