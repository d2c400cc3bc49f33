import type { QaGate } from '../../../../shared/index.ts';
import { InvalidInputError } from '../../errors.ts';
import type { Engine } from '../engine.ts';
import { nextId } from '../ids.ts';
import { buildCandidate, phaseBranches } from './candidate.ts';
import { evaluateGate } from './evidence.ts';
import { reproducibilityRuns, runPolicyTests } from './qa-runs.ts';

/**
 * `governor qa run [--candidate REF]`: the gate by hand. It tests the given ref (or a fresh candidate of
 * develop plus the phase's agent branches), records the runs and the verdict as evidence, and moves
 * nothing: merging stays the loop's job, so a manual check can never bypass the flow.
 */
export async function runGateByHand(e: Engine, ref?: string): Promise<QaGate> {
  const phase = e.read.project()?.phase ?? 1;
  let candidate: string;
  if (ref) {
    const oid = await e.git.resolveRef(ref);
    if (!oid) throw new InvalidInputError(`"${ref}" is not a branch, tag or commit in this repository`);
    candidate = oid;
  } else {
    const built = await buildCandidate(e, phase, await phaseBranches(e, phase));
    if ('conflicts' in built)
      throw new InvalidInputError(`${built.branch} conflicts with develop in ${built.conflicts.join(', ')}`);
    candidate = built.oid;
  }
  const results = [...(await runPolicyTests(e, phase, candidate)), ...(await reproducibilityRuns(e, phase, candidate))];
  e.ledger.transact((tx) => {
    for (const result of results)
      tx.append({
        type: 'test.run_completed',
        actor: 'Tester',
        payload: { phase, run_id: nextId.testRun(tx.db), result },
      });
  });
  const gate = await evaluateGate(e, phase);
  e.ledger.append([
    {
      type: 'qa.gate_evaluated',
      actor: 'Human',
      payload: { ...gate, reasons: [...gate.reasons, 'run by hand (governor qa run): nothing was merged'] },
    },
  ]);
  await e.exporter.sync();
  return gate;
}
