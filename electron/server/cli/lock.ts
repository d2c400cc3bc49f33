// The loop lock lives in core, so the host and the desktop app can refuse to open a project a CLI loop holds.
export { acquireLoopLock, describeDriver, drivenElsewhere, loopHolder, loopRunning } from '../../core/loop-lock.ts';
