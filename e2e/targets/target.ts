import type { Page } from 'playwright-core';
import type { OpenedProject } from '../../electron/core/host.ts';
import { raiseConcern } from '../../electron/core/workflow/records.ts';
import type { Severity } from '../../shared/domain/common.ts';

/** A concern as an agent would raise it; the target appends it through the engine. */
export interface ConcernInput {
  severity: Severity;
  summary: string;
  details?: string;
}

/** `UiSession.raiseConcern` on the project a target has open: from the Tester to the PM, in its phase. */
export function raiseTestConcern(p: OpenedProject, c: ConcernInput): string {
  const phase = p.read.project()?.phase ?? 1;
  return p.ledger.transact((tx) =>
    raiseConcern(
      tx,
      {
        phase,
        from: 'Tester',
        to: 'ProjectManager',
        severity: c.severity,
        category: 'test_failure',
        summary: c.summary,
        details: c.details ?? '',
      },
      new Date().toISOString(),
    ),
  );
}

/** One running app (web host in Chromium, or the Electron shell) showing a fresh sample project. */
export interface UiSession {
  page: Page;
  projectName: string;
  /** Append a `concern.raised` through the engine, from the Tester to the PM; returns its id. */
  raiseConcern(c: ConcernInput): Promise<string>;
  ledgerCount(): Promise<number>;
  /** Console errors and uncaught page errors seen so far (a CSP violation shows up here). */
  errors(): string[];
  /** Stop the engine under the page, to see the UI admit it; absent where there is no link to lose. */
  stopEngine?(): Promise<void>;
  close(): Promise<void>;
}

/** One way of running the UI; the suite in e2e/suite.ts runs the same stories against each. */
export interface UiTarget {
  name: string;
  /** One line saying why this target cannot run on this machine, or null when it can. */
  unavailable: string | null;
  open(): Promise<UiSession>;
}

/**
 * The transports the UI's e2e tests run on: `web` (the headless host over WebSocket, in Chromium), `ipc`
 * (the desktop shell on the Electron stand-in, in Chromium) and `electron` (the real desktop app, where a
 * binary exists). Every UI test runs on each one named in GOVERNOR_E2E_TRANSPORTS (a comma list); the
 * default, which `npm test` uses, is `web,ipc`; `npm run e2e:electron` asks for `electron`.
 */
export type TransportName = 'web' | 'ipc' | 'electron';

export function uiTransports(env: NodeJS.ProcessEnv = process.env): TransportName[] {
  const named = (env.GOVERNOR_E2E_TRANSPORTS ?? 'web,ipc')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const bad = named.filter((t) => t !== 'web' && t !== 'ipc' && t !== 'electron');
  if (bad.length > 0 || named.length === 0)
    throw new Error(`GOVERNOR_E2E_TRANSPORTS=${env.GOVERNOR_E2E_TRANSPORTS}: name some of web, ipc, electron`);
  return named as TransportName[];
}
