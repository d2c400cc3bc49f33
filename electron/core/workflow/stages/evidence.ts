import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { QaGate, TestRunResult } from '../../../../shared/index.ts';
import type { SealedExport } from '../../artifacts/sealed-store.ts';
import { computeDrift } from '../../qa/drift.ts';
import { type Evidence, evaluatePolicy } from '../../qa/policy-eval.ts';
import type { Engine } from '../engine.ts';
import { runSignature } from './qa-runs.ts';

const LABELLED = / \((post-merge|repro \d+)\)$/;

/** The gate's own report files: "updated" by definition when the gate that writes them runs. */
const GATE_WRITES = new Set(['QA_REPORT.md', 'QA_REPORT.html']);

/** What the gate reads of the exports: each committable file's bytes (or sealed segment), by path. */
type Committable = Map<string, Buffer | SealedExport>;

/**
 * Required docs changed since the last release tag (all of them count as new before the first tag).
 * A doc is compared as the exports hold it (the bytes a promotion commits, synced just before), not rendered
 * afresh: rendering the overview again here was most of the gate's own time. A required doc with no file
 * yet (or a sealed segment, which is never a document) is rendered as before.
 */
async function docsCompliance(e: Engine, files: Committable): Promise<QaGate['compliance']['docs']> {
  const required = [...new Set([...e.policies.promotion_policy.docs_required, ...(e.policies.docs_required ?? [])])];
  if (required.length === 0) return [];
  const exports = new Set(e.exporter.paths());
  const tagRef = e.read
    .recordedRefs()
    .filter((r) => r.name.startsWith(`refs/tags/${e.policies.git.release_tag_prefix}`))
    .at(-1);
  const tag = tagRef?.name.replace('refs/tags/', '') ?? null;
  const out: QaGate['compliance']['docs'] = [];
  for (const want of required) {
    const path = [...exports, ...GATE_WRITES].find((p) => p === want || basename(p) === want) ?? want;
    if (GATE_WRITES.has(path)) {
      out.push({ path, updated: true, note: 'written by this gate' });
      continue;
    }
    const held = files.get(path);
    const now = !exports.has(path)
      ? undefined
      : Buffer.isBuffer(held)
        ? held.toString('utf8')
        : held?.live
          ? (await held.load()).toString('utf8')
          : (e.exporter.rendered(path) ?? undefined);
    if (now === undefined) {
      out.push({ path, updated: false, note: 'does not exist' });
      continue;
    }
    const then = tagRef ? await e.git.readFileAt({ oid: tagRef.oid, path }) : null;
    out.push({
      path,
      updated: then !== now,
      note: tag
        ? then === now
          ? `unchanged since ${tag}`
          : `changed since ${tag}`
        : 'new in this phase (no release tag yet)',
    });
  }
  return out;
}

/** Every commit the candidate brings, except the gate's own merge commits, must carry a known Audit-ID. */
async function auditIdCompliance(e: Engine, candidate: string): Promise<QaGate['compliance']['audit_ids']> {
  const develop = await e.git.resolveRef('develop');
  const missing: string[] = [];
  // Only what the candidate brings: read back to where it left develop, not the project's whole history.
  for (const c of await e.git.logBetween(candidate, develop)) {
    if (c.parents.length > 1) continue;
    if (!c.auditId || !e.ledger.byId(c.auditId)) missing.push(`${c.oid.slice(0, 7)} ${c.subject}`);
  }
  const handoffsOk = !e.read.handoffWithoutId();
  if (!handoffsOk) missing.push('a handoff without an id');
  return { ok: missing.length === 0, missing };
}

async function manifest(files: Committable, runs: readonly TestRunResult[]): Promise<QaGate['manifest']> {
  const rows: QaGate['manifest'] = [];
  for (const [path, data] of files) {
    if (GATE_WRITES.has(path)) continue; // rewritten by this very gate
    // A sealed audit segment never changes: its digest was kept when it was sealed, so the manifest does
    // not read (and hash) every record of the history at every gate.
    if (!Buffer.isBuffer(data)) rows.push({ path, ...(await data.digest()) });
    else rows.push({ path, sha256: createHash('sha256').update(data).digest('hex'), bytes: data.byteLength });
  }
  for (const r of runs)
    for (const o of r.outputs ?? []) rows.push({ path: `qa/${o.path}`, sha256: o.sha256, bytes: o.bytes });
  return rows.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Gather the evidence for the latest candidate of the phase and let the policy decide: tests, coverage,
 * drift against the last-known-good baseline, reproducibility, compliance and the manifest.
 */
export async function evaluateGate(e: Engine, phase: number): Promise<QaGate> {
  // Measured on the engine's clock: a replay reads the same instants from the recorded run.
  const started = e.clock().getTime();
  const all = e.read.testRuns().filter((r) => r.phase === phase);
  const candidate = all.filter((r) => !LABELLED.test(r.result.name)).at(-1)?.result.candidate ?? '';
  const mine = all.filter((r) => r.result.candidate === candidate).map((r) => r.result);
  // The newest run of each test command on that candidate: a re-test must not count twice.
  const byName = new Map<string, TestRunResult>();
  for (const r of mine) if (!LABELLED.test(r.name)) byName.set(r.name, r);
  const latest = [...byName.values()];
  const totals = latest.reduce(
    (a, r) => ({
      tests: a.tests + r.totals.tests,
      passed: a.passed + r.totals.passed,
      failed: a.failed + r.totals.failed,
      skipped: a.skipped + r.totals.skipped,
      flaky: a.flaky + r.totals.flaky,
    }),
    { tests: 0, passed: 0, failed: 0, skipped: 0, flaky: 0 },
  );
  const runProblems: string[] = [];
  for (const r of latest) {
    if (r.exit_code !== 0)
      runProblems.push(`${r.name}: exited with ${r.timed_out ? 'a timeout' : `code ${r.exit_code}`}`);
    for (const p of r.problems) runProblems.push(`${r.name}: ${p}`);
  }
  const coverage = latest.find((r) => r.coverage)?.coverage ?? null;
  const metrics: Record<string, number> = Object.assign({}, ...latest.map((r) => r.metrics ?? {}));

  // Drift against the last-known-good baseline: this phase's last green gate, else any earlier green gate.
  const greens = e.read.gates().filter((g) => g.green && Object.keys(g.metrics).length > 0);
  const base = greens.filter((g) => g.phase === phase).at(-1) ?? greens.at(-1) ?? null;
  const watched = e.policies.drift?.metrics ?? [];
  const maxPercent =
    e.policies.drift?.max_percent ??
    e.policies.merge_policy.auto_merge_if.find((c) => 'drift_max_percent' in c)?.drift_max_percent ??
    2;
  const drift = computeDrift(metrics, base?.metrics ?? null, watched, maxPercent);
  const hasMetricsFile = e.policies.tests.some((t) => t.metrics);
  const driftProblems = watched
    .filter((m) => metrics[m] === undefined)
    .map((m) =>
      hasMetricsFile
        ? `metric "${m}" is missing from the metrics the tests wrote`
        : `metric "${m}" cannot be measured: no test command has \`metrics:\``,
    );

  const repro = mine.filter((r) => / \(repro \d+\)$/.test(r.name));
  let reproducibility: QaGate['reproducibility'] = { runs: 1, identical: 1, score: null };
  if (e.policies.reproducibility_runs > 1) {
    const groups = new Map<string, TestRunResult[]>();
    for (const r of repro) {
      const k = / \(repro (\d+)\)$/.exec(r.name)?.[1] ?? '';
      groups.set(k, [...(groups.get(k) ?? []), r]);
    }
    const first = runSignature(latest);
    const identical = 1 + [...groups.values()].filter((g) => runSignature(g) === first).length;
    const runs = 1 + groups.size;
    reproducibility = { runs, identical, score: Math.round((identical / runs) * 1000) / 10 };
  }

  // Synced first, then read once: the docs check and the manifest both judge the files a promotion commits.
  const files = await e.exporter.committable();
  const evidence: Evidence = {
    totals,
    runProblems,
    testsConfigured: e.policies.tests.length,
    suites: latest.map((r) => ({
      name: r.name,
      tests: r.totals.tests,
      failed: r.totals.failed,
      trusted: r.exit_code === 0 && r.problems.length === 0,
    })),
    coverageLines: coverage?.lines ?? null,
    drift,
    driftProblems,
    reproducibility,
    criticalConcernsOpen: e.read.openConcerns().filter((c) => c.severity === 'critical').length,
    highImpactPending: e.read
      .pendingReviews()
      .filter((r) => r.impact === 'high' && r.kind === 'variation')
      .map((r) => `${r.id} (${r.title})`),
    docs: await docsCompliance(e, files),
    auditIds: candidate ? await auditIdCompliance(e, candidate) : { ok: true, missing: [] },
  };
  const verdict = evaluatePolicy(e.policies, evidence);
  const baseline: QaGate['baseline'] = base
    ? 'last_known_good'
    : Object.keys(metrics).length > 0 && watched.length > 0
      ? 'set_by_this_run'
      : 'none';
  // Where the baseline stands is said once, in the gate's own words.
  const reasons =
    baseline === 'set_by_this_run'
      ? [
          ...verdict.reasons.filter((r) => !r.startsWith('not measured: drift_max_percent')),
          'no drift baseline yet: this run sets it',
        ]
      : verdict.reasons;
  return {
    phase,
    iteration: e.read.project()?.iteration ?? 1,
    candidate,
    green: verdict.green,
    outcome: verdict.outcome,
    reasons,
    totals,
    coverage_lines: coverage?.lines ?? null,
    coverage_branches: coverage?.branches ?? null,
    drift,
    metrics,
    baseline,
    reproducibility,
    conditions: verdict.conditions,
    compliance: { docs: evidence.docs, audit_ids: evidence.auditIds },
    manifest: await manifest(files, [...latest, ...repro]),
    duration_ms: latest.reduce((s, r) => s + r.duration_ms, 0) + Math.round(e.clock().getTime() - started),
    report: 'QA_REPORT.md',
  };
}
