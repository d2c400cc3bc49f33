/**
 * The other process of the cross-process Discord bench: opens the project (as the loop or a CLI would) and
 * raises one concern each time a line arrives on stdin, printing `<label> <epoch ms>` as it commits.
 */
import { createInterface } from 'node:readline';
import { openProject } from '../electron/core/host.ts';
import { raiseConcern } from '../electron/core/workflow/records.ts';

const dir = process.argv[2] ?? '.';
const p = await openProject(dir);
console.log('ready');
for await (const line of createInterface({ input: process.stdin })) {
  const label = line.trim();
  if (label === 'quit') break;
  p.ledger.transact((tx) => raiseConcern(tx, { phase: 1, from: 'Tester', to: 'ProjectManager', severity: 'warning', category: 'test_failure', summary: label, details: '' }, new Date().toISOString()));
  console.log(`${label} ${Date.now()}`);
}
p.close();
