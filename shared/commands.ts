import type { CommandName } from './domain/command.ts';

/**
 * The human command grammar: one parser for the UI console, Discord and the CLI.
 * Pure, so the renderer can use it for autocomplete and inline errors.
 */
export type ParsedCommand =
  | { cmd: '/status'; scope: 'all' | 'git' }
  | { cmd: '/clarify'; agent: string; question: string }
  | { cmd: '/assign'; agent: string; text: string }
  /** `concern` is the first of `concerns`: `/resolve 3 4 concern_0007 fixed upstream` settles three at once. */
  | { cmd: '/ack'; concern: string; concerns: string[]; note: string }
  | { cmd: '/resolve'; concern: string; concerns: string[]; note: string }
  | { cmd: '/escalate'; concern: string; to: string; reason: string }
  | { cmd: '/pause'; agent: string | 'all' }
  | { cmd: '/resume'; agent: string | 'all' }
  | { cmd: '/approve'; review: string; note: string }
  | { cmd: '/reject'; review: string; reason: string }
  /** `/phase` lists the roadmap; `/phase next` starts the next phase once the current one is promoted. */
  | { cmd: '/phase'; action: 'list' | 'next' }
  | { cmd: '/help'; topic: string | null };

/** A word that can only be a concern id, never the start of a note: `concern_0003`, `#3`, or a list of them. */
const EXPLICIT_CONCERN = /^(?:(?:concern_\d+|#\d+),?)+$/;

export type ParseResult =
  | { ok: true; command: ParsedCommand; target: string | null; args: string }
  | { ok: false; error: string };

export const COMMAND_HELP: ReadonlyArray<{ cmd: CommandName; usage: string; summary: string }> = [
  {
    cmd: '/status',
    usage: '/status [git]',
    summary: 'phase, stage, agents, tasks, concerns, reviews and spend; `git` for branches and merges',
  },
  {
    cmd: '/clarify',
    usage: '/clarify <agent> <question>',
    summary: 'ask an agent to explain something it produced (one pending question per agent)',
  },
  {
    cmd: '/assign',
    usage: '/assign <agent> <task | concern-id [note]>',
    summary: 'give an agent a new task, or assign a concern to it',
  },
  {
    cmd: '/ack',
    usage: '/ack <concern-id>[,<id>…] [note]',
    summary: 'acknowledge one or more concerns (e.g. /ack 3,4)',
  },
  {
    cmd: '/resolve',
    usage: '/resolve <concern-id>[,<id>…] [note]',
    summary: 'mark one or more concerns resolved (e.g. /resolve 3,4,5 fixed upstream)',
  },
  {
    cmd: '/escalate',
    usage: '/escalate <concern-id> <agent|Human> [reason]',
    summary: 'send a concern on to another agent, or to yourself',
  },
  { cmd: '/pause', usage: '/pause <agent|all>', summary: 'pause an agent; it finishes its current step, then idles' },
  { cmd: '/resume', usage: '/resume <agent|all>', summary: 'resume a paused agent' },
  { cmd: '/approve', usage: '/approve <review-id> [note]', summary: 'approve a pending review' },
  { cmd: '/reject', usage: '/reject <review-id> <reason>', summary: 'reject a pending review' },
  {
    cmd: '/phase',
    usage: '/phase [next]',
    summary: 'the roadmap; `next` starts the next phase once this one is promoted',
  },
  { cmd: '/help', usage: '/help [command]', summary: 'this list' },
];

export function helpText(topic: string | null = null): string {
  const rows = topic ? COMMAND_HELP.filter((h) => h.cmd === `/${topic.replace(/^\//, '')}`) : COMMAND_HELP;
  const list = rows.length > 0 ? rows : COMMAND_HELP;
  return ['Commands:', ...list.map((h) => `  ${h.usage.padEnd(44)} ${h.summary}`)].join('\n');
}

/** Match what a person typed (`designer`, `pm`, `implementer-2`) to a configured agent name. */
export function matchAgent(raw: string, agents: readonly string[]): string | null {
  const t = raw.trim().toLowerCase();
  const aliases: Record<string, string> = {
    pm: 'projectmanager',
    'project-manager': 'projectmanager',
    manager: 'projectmanager',
  };
  const want = aliases[t] ?? t;
  return agents.find((a) => a.toLowerCase() === want) ?? null;
}

export function parseCommand(text: string, agents: readonly string[]): ParseResult {
  const trimmed = text.trim();
  if (!trimmed.startsWith('/')) return { ok: false, error: `commands start with "/": try /help` };
  const [head = '', ...rest] = trimmed.split(/\s+/);
  const cmd = head.toLowerCase();
  const tail = trimmed.slice(head.length).trim();
  const first = rest[0] ?? '';
  const after = tail.slice(first.length).trim();
  const fail = (error: string): ParseResult => ({ ok: false, error });
  const agentArg = (allowAll: boolean): string | null => {
    if (allowAll && first.toLowerCase() === 'all') return 'all';
    return matchAgent(first, agents);
  };
  const unknownAgent = () =>
    fail(first ? `unknown agent "${first}"; agents are ${agents.join(', ')}` : `name an agent: ${agents.join(', ')}`);

  switch (cmd) {
    case '/status':
      if (tail && tail.toLowerCase() !== 'git') return fail(`/status takes nothing or "git", not "${tail}"`);
      return {
        ok: true,
        command: { cmd: '/status', scope: tail ? 'git' : 'all' },
        // The scope is the target; repeating it as args recorded "/status git git".
        target: tail ? 'git' : null,
        args: '',
      };
    case '/clarify': {
      const agent = agentArg(false);
      if (!agent) return unknownAgent();
      if (!after) return fail(`ask ${agent} a question: /clarify ${agent} <question>`);
      return { ok: true, command: { cmd: '/clarify', agent, question: after }, target: agent, args: after };
    }
    case '/assign': {
      const agent = agentArg(false);
      if (!agent) return unknownAgent();
      if (!after) return fail(`say what to assign: /assign ${agent} <task | concern-id [note]>`);
      return { ok: true, command: { cmd: '/assign', agent, text: after }, target: agent, args: after };
    }
    case '/ack':
    case '/resolve': {
      if (!first) return fail(`name a concern: ${cmd} <concern-id>`);
      // The first word names the concern(s), comma-separated (`3,4,5`); further words count as concerns only
      // when they cannot be a note's first word (`concern_0004`, `#4`): "/resolve 3 0 means flat" keeps its note.
      const words = tail.split(/\s+/);
      const ids = (words.shift() ?? first).split(',').filter(Boolean);
      while (words.length > 0 && EXPLICIT_CONCERN.test(words[0] ?? ''))
        ids.push(...(words.shift() ?? '').split(',').filter(Boolean));
      const note = words.join(' ');
      const concern = ids[0] ?? first;
      const c =
        cmd === '/ack'
          ? ({ cmd: '/ack', concern, concerns: ids, note } as const)
          : ({ cmd: '/resolve', concern, concerns: ids, note } as const);
      return { ok: true, command: c, target: ids.join(','), args: note };
    }
    case '/escalate': {
      if (!first) return fail('name a concern: /escalate <concern-id> <agent|Human> [reason]');
      const second = after.split(/\s+/)[0] ?? '';
      const to = second.toLowerCase() === 'human' ? 'Human' : matchAgent(second, agents);
      if (!to)
        return fail(
          second
            ? `unknown agent "${second}"; escalate to Human or one of ${agents.join(', ')}`
            : `escalate ${first} to whom? Human or one of ${agents.join(', ')}`,
        );
      const reason = after.slice(second.length).trim();
      return { ok: true, command: { cmd: '/escalate', concern: first, to, reason }, target: first, args: after };
    }
    case '/pause':
    case '/resume': {
      const agent = agentArg(true);
      if (!agent) return unknownAgent();
      return { ok: true, command: { cmd, agent }, target: agent, args: '' };
    }
    case '/approve':
      if (!first) return fail('name a review: /approve <review-id> [note]');
      return { ok: true, command: { cmd: '/approve', review: first, note: after }, target: first, args: after };
    case '/reject':
      if (!first) return fail('name a review: /reject <review-id> <reason>');
      if (!after) return fail(`a rejection needs a reason: /reject ${first} <reason>`);
      return { ok: true, command: { cmd: '/reject', review: first, reason: after }, target: first, args: after };
    case '/phase': {
      const action = first.toLowerCase();
      if (action && action !== 'next') return fail(`/phase takes nothing or "next", not "${first}"`);
      return {
        ok: true,
        command: { cmd: '/phase', action: action === 'next' ? 'next' : 'list' },
        target: action || null,
        args: '',
      };
    }
    case '/help':
      return { ok: true, command: { cmd: '/help', topic: first || null }, target: first || null, args: '' };
    default:
      return fail(`unknown command "${head}"`);
  }
}
