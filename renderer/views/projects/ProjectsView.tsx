import { type FormEvent, useState } from 'react';
import type { Transport } from '../../../shared/contract.ts';
import { useNow } from '../../clock.ts';
import { RecentList } from './RecentList.tsx';
import { useProjects } from './useProjects.ts';
import './projects.css';

/**
 * Which project is open, the recent ones, and three ways to another: open a folder, create one from a
 * template, or try the demo. Folders are typed as paths, since a web page cannot browse the host's disk;
 * the desktop app may add a native folder picker beside these inputs (Electron's dialog.showOpenDialog).
 */
export function ProjectsView({ conn, connected }: { conn: Transport; connected: boolean }) {
  const now = useNow();
  const { state, open, create, demo } = useProjects(conn, connected);
  const [openDir, setOpenDir] = useState('');
  const [name, setName] = useState('');
  const [createDir, setCreateDir] = useState('');
  const [template, setTemplate] = useState<'blank' | 'sample'>('blank');
  const [demoDir, setDemoDir] = useState('');
  const disabled = !connected || state.busy !== null;
  const submit = (fn: () => void) => (e: FormEvent) => {
    e.preventDefault();
    fn();
  };

  return (
    <section className="view projects" aria-labelledby="projects-title">
      <div className="view-head">
        <h2 id="projects-title">Projects</h2>
      </div>

      <section className="card" aria-labelledby="current-title" data-testid="current-project">
        <h2 id="current-title">Open now</h2>
        {state.current ? (
          <p>
            <strong data-testid="current-project-name">{state.current.name}</strong>{' '}
            <span className="muted" data-testid="current-project-dir">
              {state.current.dir}
            </span>
          </p>
        ) : (
          <p className="muted">Loading…</p>
        )}
      </section>

      {state.busy && (
        <div className="banner projects-busy" role="status" aria-live="polite" data-testid="projects-busy">
          <strong>{state.busy}</strong>
          <progress aria-label={state.busy} />
          {state.steps.length > 0 && (
            <ol className="projects-steps">
              {state.steps.map((s, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: the steps only grow at their end and may repeat.
                <li key={`${i}-${s}`}>{s}</li>
              ))}
            </ol>
          )}
        </div>
      )}
      {state.error && (
        <div className="banner banner-bad" role="alert" data-testid="projects-error">
          {state.error}
        </div>
      )}
      {state.done && !state.busy && !state.error && (
        <div className="muted" role="status" data-testid="projects-done">
          <p>
            {state.done}{' '}
            <a href="#/dashboard" data-testid="projects-to-dashboard">
              See its dashboard
            </a>
          </p>
          {/* What the last switch did, step by step, stays readable after it is over. */}
          {state.steps.length > 0 && (
            <ol className="projects-steps" data-testid="projects-steps">
              {state.steps.map((s, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: the steps only grow at their end and may repeat.
                <li key={`${i}-${s}`}>{s}</li>
              ))}
            </ol>
          )}
        </div>
      )}

      <div className="projects-grid">
        <section className="card" aria-labelledby="recent-title">
          <h2 id="recent-title">Recent projects</h2>
          <RecentList
            recent={state.recent}
            currentDir={state.current?.dir ?? null}
            disabled={disabled}
            now={now}
            onOpen={open}
          />
        </section>

        <section className="card" aria-labelledby="open-title">
          <h2 id="open-title">Open a folder</h2>
          <form className="projects-form" onSubmit={submit(() => open(openDir.trim()))}>
            <label>
              Folder on the host
              <input
                data-testid="open-dir"
                value={openDir}
                onChange={(e) => setOpenDir(e.target.value)}
                placeholder="/home/me/projects/backtester"
                spellCheck={false}
              />
            </label>
            <p className="muted">
              A folder with an agents.yaml. Governor stops the current project's loop after its step, then opens this
              one.
            </p>
            <button
              type="submit"
              className="primary"
              data-testid="open-submit"
              disabled={disabled || openDir.trim() === ''}
            >
              Open
            </button>
          </form>
        </section>

        <section className="card" aria-labelledby="create-title">
          <h2 id="create-title">Create from a template</h2>
          <form
            className="projects-form"
            onSubmit={submit(() => create(createDir.trim(), template === 'sample' ? 'sample' : name.trim(), template))}
          >
            <label>
              Template
              <select
                data-testid="create-template"
                value={template}
                onChange={(e) => setTemplate(e.target.value === 'sample' ? 'sample' : 'blank')}
              >
                <option value="blank">Blank: commented agents.yaml and policies</option>
                <option value="sample">Sample: the backtester demo team (scripted)</option>
              </select>
            </label>
            <label>
              Name
              <input
                data-testid="create-name"
                value={template === 'sample' ? 'build base backtester skeleton' : name}
                disabled={template === 'sample'}
                onChange={(e) => setName(e.target.value)}
                placeholder="Ledger tools"
              />
            </label>
            <label>
              Folder (created if needed)
              <input
                data-testid="create-dir"
                value={createDir}
                onChange={(e) => setCreateDir(e.target.value)}
                placeholder="/home/me/projects/ledger-tools"
                spellCheck={false}
              />
            </label>
            <button
              type="submit"
              className="primary"
              data-testid="create-submit"
              disabled={disabled || createDir.trim() === '' || (template === 'blank' && name.trim() === '')}
            >
              Create and open
            </button>
          </form>
        </section>

        <section className="card" aria-labelledby="demo-title">
          <h2 id="demo-title">Try the demo</h2>
          <form className="projects-form" onSubmit={submit(() => demo(demoDir.trim()))}>
            <p className="muted">
              The sample project “build base backtester skeleton”, run by the offline scripted team: no keys, no
              network. Press Run on the dashboard to start it.
            </p>
            <label>
              Folder for the demo
              <input
                data-testid="demo-dir"
                value={demoDir}
                onChange={(e) => setDemoDir(e.target.value)}
                placeholder="/tmp/backtester"
                spellCheck={false}
              />
            </label>
            <button
              type="submit"
              className="primary"
              data-testid="demo-submit"
              disabled={disabled || demoDir.trim() === ''}
            >
              Create the demo and open it
            </button>
          </form>
        </section>
      </div>
    </section>
  );
}
