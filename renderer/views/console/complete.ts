import { COMMAND_HELP } from '../../../shared/commands.ts';

export interface Suggestion {
  /** What replaces the token being typed. */
  value: string;
  hint: string;
}

export interface CompletionSources {
  agents: string[];
  reviews: string[];
  concerns: string[];
}

const AGENT_CMDS = new Set(['/clarify', '/assign', '/pause', '/resume']);
const CONCERN_CMDS = new Set(['/ack', '/resolve']);
const REVIEW_CMDS = new Set(['/approve', '/reject']);

/** Suggestions for the token under the cursor (the last one), from the grammar and the live lists. */
export function suggest(text: string, src: CompletionSources): Suggestion[] {
  const tokens = text.split(/\s+/);
  const index = tokens.length - 1;
  const partial = (tokens[index] ?? '').toLowerCase();
  const cmd = (tokens[0] ?? '').toLowerCase();
  const pick = (values: string[], hint: string): Suggestion[] =>
    values
      .filter((v) => v.toLowerCase().startsWith(partial) && v.toLowerCase() !== partial)
      .map((value) => ({ value, hint }));

  if (index === 0) {
    if (!partial.startsWith('/') && partial !== '') return [];
    return COMMAND_HELP.filter((h) => h.cmd.startsWith(partial || '/') && h.cmd !== partial).map((h) => ({
      value: h.cmd,
      hint: `${h.usage} — ${h.summary}`,
    }));
  }
  if (index === 1) {
    if (AGENT_CMDS.has(cmd))
      return pick(cmd === '/pause' || cmd === '/resume' ? [...src.agents, 'all'] : src.agents, 'agent');
    if (CONCERN_CMDS.has(cmd)) return pick(src.concerns, 'concern');
    if (REVIEW_CMDS.has(cmd)) return pick(src.reviews, 'review');
    if (cmd === '/help')
      return pick(
        COMMAND_HELP.map((h) => h.cmd.slice(1)),
        'command',
      );
    if (cmd === '/status') return pick(['git'], 'branches and merges');
  }
  if (index === 2 && cmd === '/assign') return pick(src.concerns, 'concern');
  return [];
}

/** The input with its last token replaced by a suggestion, and a space to go on typing. */
export function applySuggestion(text: string, value: string): string {
  const cut = text.search(/\S*$/);
  return `${text.slice(0, cut)}${value} `;
}
