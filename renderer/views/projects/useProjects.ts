import { useCallback, useEffect, useRef, useState } from 'react';
import type { CallResponse, Transport } from '../../../shared/contract.ts';
import { CallError } from '../../transport/index.ts';

export type ProjectInfo = CallResponse<'projects.current'>;
export type RecentProject = CallResponse<'projects.recent'>[number];

export interface ProjectsState {
  current: ProjectInfo | null;
  recent: RecentProject[] | null;
  /** What is being done right now ("Creating the demo…"), or null when idle. */
  busy: string | null;
  /** Progress lines the host sent while `busy`. */
  steps: string[];
  error: string | null;
  /** The last thing that worked, in words. */
  done: string | null;
}

const message = (err: unknown) =>
  err instanceof CallError ? err.message : err instanceof Error ? err.message : String(err);

/**
 * The projects view's data and actions. A switch is announced to every page by `project.switched`; this
 * hook reloads the current project and the recent list then, whoever asked for the switch.
 */
export function useProjects(conn: Transport, connected: boolean) {
  const [state, setState] = useState<ProjectsState>({
    current: null,
    recent: null,
    busy: null,
    steps: [],
    error: null,
    done: null,
  });
  const busy = useRef(false);

  const load = useCallback(() => {
    Promise.all([conn.call('projects.current', {}), conn.call('projects.recent', {})]).then(
      ([current, recent]) => setState((s) => ({ ...s, current, recent })),
      (err: unknown) => setState((s) => ({ ...s, error: message(err) })),
    );
  }, [conn]);

  // Read on every (re)connect too: the page may open on this view before the link is up.
  useEffect(() => {
    if (connected) load();
  }, [connected, load]);

  useEffect(() => {
    const offs = [
      conn.on('project.switched', () => load()),
      conn.on('progress', (p) => {
        if (busy.current && p.kind === 'project') setState((s) => ({ ...s, steps: [...s.steps, p.text].slice(-20) }));
      }),
    ];
    return () => {
      for (const off of offs) off();
    };
  }, [conn, load]);

  /** Run one switching call; errors come back as the engine's own words. */
  const act = useCallback(
    (what: string, run: () => Promise<ProjectInfo>) => {
      if (busy.current) return;
      busy.current = true;
      setState((s) => ({ ...s, busy: what, steps: [], error: null, done: null }));
      run().then(
        (info) => {
          busy.current = false;
          setState((s) => ({ ...s, busy: null, current: info, done: `Opened ${info.name}.` }));
          load();
        },
        (err: unknown) => {
          busy.current = false;
          setState((s) => ({ ...s, busy: null, error: message(err) }));
          load();
        },
      );
    },
    [load],
  );

  return {
    state,
    open: (dir: string) => act(`Opening ${dir}…`, () => conn.call('projects.open', { dir })),
    create: (dir: string, name: string, template: 'blank' | 'sample') =>
      act(`Creating ${name} in ${dir}…`, () => conn.call('projects.create', { dir, name, template })),
    demo: (dir: string) => act(`Creating the demo in ${dir}…`, () => conn.call('projects.demo', { dir })),
  };
}
