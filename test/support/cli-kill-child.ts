/**
 * Child of a stepped kill test that runs the real CLI, as the user starts it:
 *   cli-kill-child.ts <scope> <governor arguments…>
 * Only the crash points labelled `<scope>: …` count as steps (stepped-kill-child.ts), so one multi-step write
 * (a promotion, a configuration commit) is stepped through on its own, whatever else the same run does.
 */
import { setStepHook } from '../../electron/core/crash-points.ts';
import { installStepper } from './stepped-kill-child.ts';

const scope = process.argv[2];
if (!scope) throw new Error('usage: cli-kill-child <scope> <governor arguments…>');
process.argv.splice(2, 1);
const stepper = installStepper();
setStepHook((label) => {
  if (label.startsWith(`${scope}: `)) stepper.step(label);
});
await import('../../electron/server/cli/main.ts');
