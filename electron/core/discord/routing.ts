import type { ParsedCustomId } from './custom-id.ts';
import type { Link } from './links.ts';

/**
 * Which linked project an interaction is for. Every project's gateway client sees every interaction (one
 * bot, one guild), so each decides alone, from the same facts, and exactly one acts:
 * - a button or form acts only in the project its custom id names, and only on a message that project's
 *   outbox posted;
 * - a slash command acts in the project its `project` option names, else the project the channel is mapped
 *   to, else the only project linked;
 * - what belongs to nobody running is answered by one project (the "speaker": the smallest tag alive), and
 *   a wrong-project click is answered late, so the right project's own answer always comes first.
 */
export type Route =
  | { kind: 'act' }
  | { kind: 'quiet' }
  /** Answer now, privately, and do nothing. */
  | { kind: 'answer'; text: string }
  /** Answer privately after a moment unless another project answered first (then Discord refuses this one). */
  | { kind: 'late'; text: string };

export interface Me {
  tag: string;
  name: string;
  /** Live links, this project's included. */
  links: Link[];
  /** Channel ids this project posts in, and threads its outbox opened. */
  ownsChannel(channelId: string): boolean;
  ownsMessage(messageId: string): boolean;
}

const speaker = (me: Me) => (me.links[0]?.tag ?? me.tag) === me.tag || !me.links.some((l) => l.tag === me.tag);
const nameOf = (me: Me, tag: string) => me.links.find((l) => l.tag === tag)?.name ?? null;

/** A button or a form: `footerProject` is what the clicked message's footer says it is about. */
export function routeComponent(
  me: Me,
  parsed: ParsedCustomId,
  messageId: string | null,
  footerProject: string | null,
): Route {
  if (!parsed)
    return speaker(me) ? { kind: 'answer', text: "This button is not one of Governor's." } : { kind: 'quiet' };
  const mine = messageId !== null && me.ownsMessage(messageId);
  const owner = footerProject ?? (parsed.project ? nameOf(me, parsed.project) : null) ?? 'another project';
  if (parsed.project === null) {
    // A message from before ids named their project: whoever posted it acts.
    if (mine) return { kind: 'act' };
    return speaker(me)
      ? {
          kind: 'late',
          text: `This message belongs to ${owner}, whose Governor is not running here. Nothing was done.`,
        }
      : { kind: 'quiet' };
  }
  if (parsed.project === me.tag) {
    // A form carries no message when Discord opened it elsewhere; its id was made by this project's click.
    if (mine || ((parsed.kind === 'modal' || parsed.kind === 'deny_modal') && messageId === null))
      return { kind: 'act' };
    // A copy of this project (the same history) may have posted it: its answer comes first.
    return {
      kind: 'late',
      text: `This message belongs to ${owner}, not to ${me.name} as linked here. Nothing was done.`,
    };
  }
  if (mine)
    return {
      kind: 'answer',
      text:
        `This button belongs to project ${nameOf(me, parsed.project) ?? parsed.project}, ` +
        `not to ${me.name}, whose message it is on. Nothing was done.`,
    };
  if (me.links.some((l) => l.tag === parsed.project)) return { kind: 'quiet' };
  return speaker(me)
    ? {
        kind: 'late',
        text:
          `This message belongs to ${owner}, whose Governor is not running right now. ` +
          'Nothing was done; start it (the app, or the host) and press again.',
      }
    : { kind: 'quiet' };
}

/** A slash command (or its autocomplete): the `project` option, else the channel's project. */
export function routeSlash(
  me: Me,
  project: string | null,
  channelId: string,
  parentId: string | null,
  anyProject = false,
): Route {
  const names = me.links.map((l) => l.name);
  // `/help` is the same in every project: one answers it.
  if (anyProject && !project) return speaker(me) ? { kind: 'act' } : { kind: 'quiet' };
  if (project) {
    const want = project.trim().toLowerCase();
    const hit = me.links.find((l) => l.name.toLowerCase() === want || l.tag === project.trim());
    if (hit) return hit.tag === me.tag ? { kind: 'act' } : { kind: 'quiet' };
    if (me.name.toLowerCase() === want || me.tag === project.trim()) return { kind: 'act' };
    return speaker(me)
      ? {
          kind: 'answer',
          text:
            `No project called "${project.slice(0, 100)}" is linked to this bot. ` +
            `Linked: ${names.join(', ') || me.name}.`,
        }
      : { kind: 'quiet' };
  }
  const inChannel = (l: Link) => l.channels.includes(channelId) || (parentId !== null && l.channels.includes(parentId));
  if (me.ownsChannel(channelId) && !me.links.some((l) => l.tag !== me.tag && inChannel(l))) return { kind: 'act' };
  const mapped = me.links.filter(inChannel);
  if (mapped.length === 1) return mapped[0]?.tag === me.tag ? { kind: 'act' } : { kind: 'quiet' };
  if (me.links.length <= 1) return { kind: 'act' };
  const among = mapped.length > 1 ? mapped.map((l) => l.name) : names;
  return speaker(me)
    ? {
        kind: 'answer',
        text: `Several projects are linked here (${among.join(', ')}): pick one with the \`project\` option.`,
      }
    : { kind: 'quiet' };
}

/** Autocomplete of the `project` option: the speaker offers every linked project. */
export function projectChoices(me: Me, typed: string): Array<{ name: string; value: string }> | null {
  if (!speaker(me)) return null;
  const want = typed.trim().toLowerCase();
  const all = me.links.length > 0 ? me.links : [{ tag: me.tag, name: me.name }];
  // Two projects may share a name: the value is the tag, and a shared name shows it.
  const shared = (n: string) => all.filter((l) => l.name === n).length > 1;
  return all
    .filter((l) => l.name.toLowerCase().includes(want))
    .slice(0, 25)
    .map((l) => ({ name: (shared(l.name) ? `${l.name} (${l.tag})` : l.name).slice(0, 100), value: l.tag }));
}

/**
 * Autocomplete of an `agent` option: the project the command goes to offers its own agents (two projects
 * rarely have the same team). Where that is not settled yet (a shared channel, no `project` chosen so
 * far), the speaker offers every linked project's agents, each saying whose.
 */
export function agentChoices(
  me: Me,
  route: Route,
  own: readonly string[],
  typed: string,
  allowAll: boolean,
): Array<{ name: string; value: string }> | null {
  const want = typed.trim().toLowerCase();
  const fits = (a: string) => a.toLowerCase().includes(want);
  const all = allowAll && fits('all') ? [{ name: 'all', value: 'all' }] : [];
  if (route.kind === 'act') return [...own.filter(fits).map((a) => ({ name: a, value: a })), ...all].slice(0, 25);
  if (route.kind === 'quiet' || !speaker(me)) return null;
  const whose = new Map<string, string[]>();
  // By project name, so the list reads the same whichever project answers.
  const byName = [...me.links].sort((x, y) => x.name.localeCompare(y.name));
  for (const l of byName) for (const a of l.agents) whose.set(a, [...(whose.get(a) ?? []), l.name]);
  return [
    ...[...whose.entries()]
      .filter(([a]) => fits(a))
      .map(([a, names]) => ({ name: `${a} (${names.join(', ')})`.slice(0, 100), value: a })),
    ...all,
  ].slice(0, 25);
}
