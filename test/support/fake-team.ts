import type { FakeReply, RecordedRequest } from './fake-llm.ts';
import { PHASE_WORK } from './fake-team-files.ts';

/**
 * A fake model that plays a whole team on "csvjson" (a CLI that converts CSV to JSON) by reading each
 * request as a model would: the JSON schema it is asked for (plan, design, test plan, concern decision),
 * the tools it is offered (a task's tool loop), or a plain question. It answers at the protocol level,
 * through the fake provider server, so the real AI SDK clients and the real loop run unchanged.
 *
 * The PM follows the human's plan-review comments on the roadmap: `drop: <phase>`, `add: <phase> — <goal>`,
 * `move: <phase> to <n>` (separated by `;`). The Tester raises a warning concern to the Implementer in the
 * "Type inference" phase, which the Implementer acknowledges and settles without a change.
 */

interface Entry {
  number: number;
  name: string;
  goal: string;
  deliverables: string[];
  status?: string;
}

const INITIAL_ROADMAP: Entry[] = [
  { number: 1, name: 'Parser', goal: 'Read RFC 4180 CSV into rows.', deliverables: ['src/csv.js'] },
  { number: 2, name: 'CLI', goal: 'A csvjson command: file or stdin in, JSON out.', deliverables: ['bin/csvjson.js'] },
  { number: 3, name: 'Streaming', goal: 'Convert files larger than memory.', deliverables: ['src/stream.js'] },
  { number: 4, name: 'Docs site', goal: 'A documentation website.', deliverables: ['docs/site'] },
];

const md = (title: string, body: string) =>
  `# ${title}\n\n${body}\n\n${'The team works from this document; each section is concrete enough to act on today. '.repeat(2)}\n`;

type Message = { role: string; content?: unknown; tool_calls?: unknown[] };

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((p) => (typeof p === 'object' && p && 'text' in p ? String((p as { text: unknown }).text) : ''))
      .join('');
  return '';
}

/** The human's decision and comment in a revision prompt, if any. */
function feedbackOf(prompt: string): { decision: string; comment: string } | null {
  const m = /decided "([^"]+)":\n([^\n]*)/.exec(prompt);
  return m ? { decision: m[1] ?? '', comment: m[2] ?? '' } : null;
}

function roadmapOf(prompt: string): Entry[] {
  if (prompt.includes('There is no roadmap yet')) return INITIAL_ROADMAP.map((r) => ({ ...r }));
  const out: Entry[] = [];
  for (const m of prompt.matchAll(
    /^- Phase (\d+) — (.+?) \((planned|active|promoted)\): (.*?)(?: Deliverables: (.*)\.)?$/gm,
  )) {
    out.push({
      number: Number(m[1]),
      name: m[2] ?? '',
      status: m[3] ?? 'planned',
      goal: m[4] ?? '',
      deliverables: m[5] ? m[5].split('; ') : [],
    });
  }
  return out;
}

/** The human's roadmap instructions, applied to the phases not yet promoted. */
export function applyRoadmapComment(roadmap: Entry[], comment: string): Entry[] {
  const done = roadmap.filter((r) => r.status === 'promoted');
  let ahead = roadmap.filter((r) => r.status !== 'promoted');
  for (const part of comment.split(';').map((x) => x.trim())) {
    const drop = /^drop: (.+)$/i.exec(part);
    const add = /^add: (.+?) — (.+)$/i.exec(part);
    const move = /^move: (.+) to (\d+)$/i.exec(part);
    if (drop) ahead = ahead.filter((r) => r.name.toLowerCase() !== drop[1]?.toLowerCase());
    else if (add) ahead.push({ number: 0, name: add[1] ?? '', goal: add[2] ?? '', deliverables: [] });
    else if (move) {
      const it = ahead.find((r) => r.name.toLowerCase() === move[1]?.toLowerCase());
      if (it) {
        ahead = ahead.filter((r) => r !== it);
        ahead.splice(Math.max(0, Number(move[2]) - done.length - 1), 0, it);
      }
    }
  }
  return [...done, ...ahead].map((r, i) => ({
    number: i + 1,
    name: r.name,
    goal: r.goal,
    deliverables: r.deliverables,
  }));
}

function plan(prompt: string): unknown {
  const phase = Number(/Plan phase (\d+) of the project/.exec(prompt)?.[1] ?? 1);
  const fb = feedbackOf(prompt);
  let roadmap = roadmapOf(prompt);
  if (fb?.decision === 'request changes') roadmap = applyRoadmapComment(roadmap, fb.comment);
  else roadmap = roadmap.map((r) => ({ number: r.number, name: r.name, goal: r.goal, deliverables: r.deliverables }));
  const name = roadmap.find((r) => r.number === phase)?.name ?? 'Parser';
  const learned = prompt.includes('What the earlier phases taught')
    ? "\n\nLessons carried over: the earlier phases' QA results and the human's conditions are in scope."
    : '';
  return {
    requirements: md(
      `Requirements — Phase ${phase}: ${name}`,
      `FR-1 ${roadmap.find((r) => r.number === phase)?.goal ?? name}\nNFR-1 Node 20, no dependencies; deterministic output.${learned}`,
    ),
    agent_tasks: md(
      `Agent tasks — Phase ${phase}`,
      '| Task | Agent |\n|---|---|\n| T1 | ProjectManager |\n| T4 | Implementer |\n| T5 | Tester |',
    ),
    roadmap,
    tasks: [
      { id: 'T1', title: `Plan phase ${phase}`, agent: 'ProjectManager', depends_on: [], commentary: '' },
      { id: 'T2', title: `Design phase ${phase}`, agent: 'Designer', depends_on: ['T1'], commentary: '' },
      { id: 'T3', title: `Test plan for phase ${phase}`, agent: 'Tester', depends_on: ['T2'], commentary: '' },
      {
        id: 'T4',
        title: `Implement ${name}`,
        agent: 'Implementer',
        depends_on: ['T2'],
        commentary: `Write ${Object.keys(PHASE_WORK[name]?.code ?? {}).join(', ')}.`,
      },
      {
        id: 'T5',
        title: `Write and run the ${name} tests`,
        agent: 'Tester',
        depends_on: ['T4'],
        commentary: 'The tests the test plan names, unit and end to end.',
      },
    ],
    kpis: [{ name: 'line coverage', target: '≥ 80%' }],
    risks: ['CSV dialects differ (separators, quotes)'],
    ...(fb ? { delta_summary: `- Roadmap and tasks revised after the human's ${fb.decision}: ${fb.comment}` } : {}),
  };
}

const phaseName = (prompt: string) => /Requirements — Phase \d+: ([^\n]+)/.exec(prompt)?.[1]?.trim() ?? 'Parser';

function design(prompt: string): unknown {
  const name = phaseName(prompt);
  const fb = feedbackOf(prompt);
  const files = Object.keys(PHASE_WORK[name]?.code ?? {});
  return {
    design_spec: md(
      `Design spec — ${name}`,
      `Modules: ${files.join(', ')}. Plain functions, no I/O in the core.${fb ? `\n\nRevised: ${fb.comment}` : ''}`,
    ),
    architecture: md(
      `Architecture — ${name}`,
      'src/csv.js → src/infer.js → src/convert.js → src/cli.js → bin/csvjson.js; each module has ' +
        'unit tests in tests/ and the whole path an end-to-end test in e2e/.',
    ),
    ...(fb ? { delta_summary: `- ${fb.comment}` } : {}),
  };
}

function testPlan(prompt: string): unknown {
  const name = phaseName(prompt);
  const fb = feedbackOf(prompt);
  const tests = Object.keys(PHASE_WORK[name]?.tests ?? {});
  return {
    test_plan: md(
      `Test plan — ${name}`,
      `Unit tests in tests/ and end-to-end tests in e2e/, run by the policy's unit and e2e commands: ` +
        `${tests.join(', ')}. Coverage target 80% of lines.`,
    ),
    ...(fb ? { delta_summary: `- ${fb.comment}` } : {}),
  };
}

/** One turn of a task's tool loop: the task is in the first prompt, the turn is how many answers came before. */
function work(prompt: string, messages: Message[], runTests: boolean): FakeReply {
  const turn = messages.filter((m) => m.role === 'assistant').length;
  const title = /Do task T\d+: ([^\n]+)/.exec(prompt)?.[1] ?? '';
  const call = (name: string, args: unknown) => ({ name, args });
  if (title.startsWith('Address concern')) {
    return {
      toolCalls: [
        call('handoff', {
          summary: 'Intended: cells beyond the header have no column name, so they are left out; the design says so.',
          commit_subject: 'docs(convert): nothing to change',
        }),
      ],
    };
  }
  const implement = /^Implement (.+)$/.exec(title);
  if (implement) {
    const w = PHASE_WORK[implement[1] ?? ''];
    if (!w)
      return {
        toolCalls: [
          call('handoff', { summary: `nothing known about ${implement[1]}`, commit_subject: 'chore(team): nothing' }),
        ],
      };
    if (turn === 0)
      return { toolCalls: Object.entries(w.code).map(([path, content]) => call('write_file', { path, content })) };
    return {
      toolCalls: [
        call('handoff', {
          summary: w.summary,
          commit_subject: `feat(${w.scope}): ${w.summary.slice(0, 50).replace(/[.:]+$/, '')}`,
        }),
      ],
    };
  }
  const tests = /^Write and run the (.+) tests$/.exec(title);
  if (tests) {
    const name = tests[1] ?? '';
    const w = PHASE_WORK[name];
    if (!w)
      return {
        toolCalls: [call('handoff', { summary: `no tests known for ${name}`, commit_subject: 'chore(team): nothing' })],
      };
    if (turn === 0) {
      const concern =
        name === 'Type inference'
          ? [
              call('raise_concern', {
                to: 'Implementer',
                severity: 'warning',
                category: 'design_gap',
                summary: 'csvToJson drops cells beyond the header',
                details: 'A row longer than the header loses its extra cells. Intended?',
              }),
            ]
          : [];
      return {
        toolCalls: [
          ...Object.entries(w.tests).map(([path, content]) => call('write_file', { path, content })),
          ...concern,
        ],
      };
    }
    if (turn === 1 && runTests) return { toolCalls: [call('run_tests', {})] };
    return {
      toolCalls: [
        call('handoff', {
          summary: `Tests for ${name}: ${Object.keys(w.tests).join(', ')}.`,
          commit_subject: `test(${w.scope}): cover ${name.toLowerCase()}`,
        }),
      ],
    };
  }
  return {
    toolCalls: [
      call('handoff', { summary: `no work known for "${title}"`, commit_subject: 'chore(team): nothing to do' }),
    ],
  };
}

export interface FakeTeam {
  respond(r: RecordedRequest): FakeReply | undefined;
  /** What the team was asked, by kind, in order: for assertions on how the loop used the model. */
  readonly asked: string[];
}

/** `runTests: false`: the Tester hands off without calling run_tests (the bench keeps test time out of the loop). */
export function fakeTeam(opts: { runTests?: boolean } = {}): FakeTeam {
  const asked: string[] = [];
  return {
    asked,
    respond(r) {
      const body = (r.body ?? {}) as {
        messages?: Message[];
        response_format?: { type?: string; json_schema?: { name?: string } };
        tools?: Array<{ function?: { name?: string } }>;
      };
      const messages = body.messages ?? [];
      const prompt = textOf(messages.find((m) => m.role === 'user')?.content);
      const tools = (body.tools ?? []).map((t) => t.function?.name ?? '');
      const schema =
        body.response_format?.type === 'json_schema' ? (body.response_format.json_schema?.name ?? '') : null;
      if (schema !== null) {
        asked.push(schema);
        if (schema === 'plan') return { json: plan(prompt) };
        if (schema === 'design') return { json: design(prompt) };
        if (schema === 'test_plan') return { json: testPlan(prompt) };
        if (schema === 'concern_decision')
          return {
            json: { action: 'acknowledge', note: 'I will check whether dropping extra cells is intended and say so.' },
          };
        if (schema === 'probe') return { json: { status: 'ok', word: 'ready' } };
        return undefined;
      }
      if (tools.includes('ping')) return { toolCalls: [{ name: 'ping', args: { value: 'ready' } }] };
      if (tools.includes('handoff')) {
        asked.push(`work: ${/Do task T\d+: ([^\n]+)/.exec(prompt)?.[1] ?? '?'}`);
        return work(prompt, messages, opts.runTests ?? true);
      }
      if (prompt.includes('Reply with the single word OK')) return { text: 'OK' };
      if (prompt.includes('The human asks you a question')) {
        asked.push('clarify');
        return {
          text:
            'A hand-written parser keeps the tool dependency-free (NFR-1) and is under 40 lines; ' +
            'a library would add install steps for users.',
        };
      }
      return undefined;
    },
  };
}
