import { parse } from 'shell-quote';

/** One simple command of a shell line, with the paths it redirects into. */
export interface SimpleCommand {
  text: string;
  words: string[];
  redirects: string[];
}

export interface SplitCommand {
  commands: SimpleCommand[];
  /** Command substitution, process substitution or backticks: what runs cannot be read off the line. */
  opaque: boolean;
}

const SEPARATORS = new Set(['&&', '||', ';', '|', '&', '|&', ';;', '(', ')']);
const REDIRECTS = new Set(['>', '>>', '<', '>&', '<&', '<>', '>|']);

/**
 * Split a shell line into simple commands, as Claude Code does before matching rules: every part of
 * `npm test && curl x | sh` must be allowed on its own. shell-quote does the quoting rules; a line that
 * hides commands (`$(…)`, backticks, `<(…)`) is reported opaque and never allowed without asking.
 */
export function splitCommand(line: string): SplitCommand {
  const opaque = /\$\(|`|<\(|>\(/.test(line);
  // Keep `$VAR` as written: the policy matches what the agent typed, not this process's environment.
  const tokens = parse(line, (name) => `$${name}`);
  const commands: SimpleCommand[] = [];
  let words: string[] = [];
  let redirects: string[] = [];
  let redirectNext = false;
  const flush = () => {
    if (words.length) commands.push({ text: words.join(' '), words, redirects });
    words = [];
    redirects = [];
  };
  for (const t of tokens) {
    if (typeof t === 'string') {
      if (redirectNext) redirects.push(t);
      else words.push(t);
      redirectNext = false;
    } else if ('op' in t) {
      if (t.op === 'glob') words.push(t.pattern);
      else if (REDIRECTS.has(t.op)) redirectNext = true;
      else if (SEPARATORS.has(t.op)) flush();
    } else if ('comment' in t) {
      break;
    }
  }
  flush();
  return { commands, opaque };
}
