/**
 * `qa.cases`: the failed, flaky and skipped test cases behind one gate's counts, so the human sees
 * *what* failed and why without opening the JUnit files. They are read from the `test.run_completed`
 * records the gate itself counted.
 */
import type { TestCase, TestRunResult } from '../../shared/index.ts';
import type { QaCase, QaCases } from '../../shared/domain/qa-cases.ts';
import type { GateRecord, TestRunRecord } from './artifacts/snapshot.ts';
import { NotFoundError } from './errors.ts';
import type { OpenedProject } from './host.ts';

/** A reader needs the head of a stack, not 20,000 characters of it, times every failure. */
export const CASE_DETAILS_CHARS = 8_000;
export const CASE_MESSAGE_CHARS = 2_000;

/** junit.ts already cut very long details in the ledger and said by how much; count that too. */
const LEDGER_CUT = /\n… \((\d+) more characters truncated\)$/;

/** Reproducibility replays repeat the main run: extra evidence, not more cases. */
const REPRO = / \(repro \d+\)$/;
const POST_MERGE = / \(post-merge\)$/;
const failedRun = (r: TestRunResult) => r.exit_code !== 0 || r.totals.failed > 0 || r.problems.length > 0;

function clip(text: string | null, max: number): { text: string | null; total: number | null } {
  if (text === null) return { text, total: null };
  const cut = LEDGER_CUT.exec(text);
  const body = cut ? text.slice(0, cut.index) : text;
  const total = body.length + (cut ? Number(cut[1]) : 0);
  if (total <= max && !cut) return { text, total: null };
  return { text: body.slice(0, max), total };
}

function kindOf(c: TestCase): QaCase['kind'] | null {
  if (c.status === 'failed' || c.status === 'error' || c.status === 'skipped') return c.status;
  return c.flaky ? 'flaky' : null;
}

function toCase(run: string, c: TestCase, kind: QaCase['kind']): QaCase {
  const message = clip(c.message, CASE_MESSAGE_CHARS);
  const details = clip(c.details, CASE_DETAILS_CHARS);
  return {
    kind,
    run,
    suite: c.suite,
    name: c.name,
    classname: c.classname,
    file: c.file,
    duration_ms: c.duration_ms,
    message: message.text,
    details: details.text,
    message_total: message.total,
    details_total: details.total,
  };
}

/**
 * The runs a gate decided on: of its phase and candidate, recorded before it, the newest of each test
 * command (a re-test replaces, never adds to, the one before; as the gate counts them). A failed
 * post-merge check is kept beside them: that is the failure the gate then reports. A passing one would
 * only list the same skipped tests twice.
 */
function runsOf(p: OpenedProject, gate: GateRecord & { seq: number }): TestRunResult[] {
  const rows = p.ledger.db
    .prepare<[number, number], { doc: string }>('SELECT doc FROM test_runs WHERE phase = ? AND seq < ? ORDER BY seq')
    .all(gate.phase, gate.seq);
  const newest = new Map<string, TestRunResult>();
  for (const { doc } of rows) {
    const { result } = JSON.parse(doc) as TestRunRecord;
    if (result.candidate !== gate.candidate || REPRO.test(result.name)) continue;
    // A post-merge check belongs to the gate whose runs it follows; an older gate's is forgotten.
    if (!POST_MERGE.test(result.name))
      for (const name of [...newest.keys()]) if (POST_MERGE.test(name)) newest.delete(name);
    newest.set(result.name, result);
  }
  return [...newest.values()].filter((r) => !POST_MERGE.test(r.name) || failedRun(r));
}

export function qaCases(p: OpenedProject, q: { event_id: string; limit: number }): QaCases {
  const row = p.ledger.db
    .prepare<[string], { seq: number; doc: string }>('SELECT seq, doc FROM gates WHERE event_id = ?')
    .get(q.event_id);
  if (!row) throw new NotFoundError('QA gate', q.event_id, 'pick one from qa.gates');
  const gate = { ...(JSON.parse(row.doc) as GateRecord), seq: row.seq };
  // A gate that never ran tests (the candidate did not merge) has no candidate and no cases.
  const runs = gate.candidate ? runsOf(p, gate) : [];
  const groups = { failed: [] as QaCase[], flaky: [] as QaCase[], skipped: [] as QaCase[] };
  const omitted = { failed: 0, flaky: 0, skipped: 0 };
  for (const r of runs) {
    for (const c of r.cases) {
      const kind = kindOf(c);
      if (kind === null) continue;
      const group = kind === 'error' ? 'failed' : kind;
      if (groups[group].length < q.limit) groups[group].push(toCase(r.name, c, kind));
      else omitted[group] += 1;
    }
  }
  return {
    event_id: q.event_id,
    candidate: gate.candidate,
    runs: runs.map((r) => ({
      name: r.name,
      command: r.command,
      exit_code: r.exit_code,
      timed_out: r.timed_out,
      attempts: r.attempts ?? 1,
      totals: r.totals,
      problems: r.problems,
    })),
    cases: [...groups.failed, ...groups.flaky, ...groups.skipped],
    omitted,
    limit: q.limit,
  };
}
