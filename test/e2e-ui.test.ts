import { uiSuite } from '../e2e/suite.ts';
import { uiTargets } from '../e2e/targets/ui-targets.ts';

/**
 * The UI's first stories end to end on every target: the real bundle over a real sample project, served by
 * the real headless host in Chromium (web), shown by the real desktop shell on the Electron stand-in (ipc),
 * and by the real Electron app where one exists (electron).
 */
for (const target of uiTargets()) uiSuite(target);
