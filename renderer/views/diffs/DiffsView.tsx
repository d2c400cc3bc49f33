import { useEffect, useState } from 'react';
import type { CallResponse, Transport } from '../../../shared/contract.ts';
import type { Monaco } from '../reviews/monaco.ts';
import { loadMonacoYaml } from '../settings/yaml.ts';
import { type DiffFileT, FileDiff } from './FileDiff.tsx';
import './diffs.css';

type Refs = CallResponse<'git.refs'>;

const STATUS_LABEL: Record<DiffFileT['status'], string> = { A: 'added', M: 'modified', D: 'deleted' };
/** The value of the "from" picker that means "nothing": every file shows as added. */
const EMPTY = '';

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** develop → the newest phase branch (or main), when those exist. */
export function defaultRefs(refs: Refs): { from: string; to: string } {
  const names = refs.branches.map((b) => b.name);
  const phases = names.filter((n) => /phase/i.test(n)).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const from = names.includes('develop') ? 'develop' : (names.includes('main') ? 'main' : (names[0] ?? EMPTY));
  const to = phases.at(-1) ?? (names.includes('main') && from !== 'main' ? 'main' : (names.find((n) => n !== from) ?? names[0] ?? ''));
  return { from, to };
}

function RefSelect({ id, label, value, refs, allowEmpty, onChange }: { id: string; label: string; value: string; refs: Refs; allowEmpty: boolean; onChange(v: string): void }) {
  return (
    <label className="df-ref">
      {label}{' '}
      <select data-testid={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {allowEmpty && <option value={EMPTY}>(empty tree)</option>}
        <optgroup label="Branches">
          {refs.branches.map((b) => (
            <option key={`b:${b.name}`} value={b.name}>
              {b.name}
            </option>
          ))}
        </optgroup>
        {refs.tags.length > 0 && (
          <optgroup label="Tags">
            {refs.tags.map((t) => (
              <option key={`t:${t.name}`} value={t.name}>
                {t.name}
              </option>
            ))}
          </optgroup>
        )}
      </select>
    </label>
  );
}

/** Compare any two branches or tags: the changed files, and the selected one in Monaco's diff editor. */
export function DiffsView({ conn }: { conn: Transport }) {
  const [refs, setRefs] = useState<Refs | null>(null);
  const [from, setFrom] = useState(EMPTY);
  const [to, setTo] = useState('');
  const [files, setFiles] = useState<DiffFileT[] | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [monaco, setMonaco] = useState<Monaco | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    conn.call('git.refs', {}).then(
      (r) => {
        if (!live) return;
        setRefs(r);
        const d = defaultRefs(r);
        setFrom(d.from);
        setTo(d.to);
      },
      (err: unknown) => live && setError(`Could not list branches: ${errorText(err)}`),
    );
    loadMonacoYaml().then(
      (m) => live && setMonaco(m),
      (err: unknown) => live && setError(`The editor failed to load: ${errorText(err)}`),
    );
    return () => {
      live = false;
    };
  }, [conn]);

  useEffect(() => {
    if (!to) return;
    let live = true;
    setFiles(null);
    conn.call('git.diff', { from: from === EMPTY ? null : from, to }).then(
      (r) => {
        if (!live) return;
        setFiles(r.files);
        setSelected((s) => (s && r.files.some((f) => f.path === s) ? s : (r.files[0]?.path ?? null)));
        setError(null);
      },
      (err: unknown) => live && setError(`Could not compare ${from || 'the empty tree'} with ${to}: ${errorText(err)}`),
    );
    return () => {
      live = false;
    };
  }, [conn, from, to]);

  const file = files?.find((f) => f.path === selected) ?? null;
  return (
    <section className="view df-view" aria-labelledby="diffs-title">
      <h2 id="diffs-title">Diffs</h2>
      {error && (
        <p className="banner banner-bad" role="alert">
          {error}
        </p>
      )}
      {refs && (
        <div className="df-refs">
          <RefSelect id="diff-from" label="From" value={from} refs={refs} allowEmpty onChange={setFrom} />
          <span aria-hidden="true">→</span>
          <RefSelect id="diff-to" label="To" value={to} refs={refs} allowEmpty={false} onChange={setTo} />
        </div>
      )}
      <div className="df-body">
        <ul className="df-files" aria-label="Changed files">
          {files === null ? (
            <li className="muted">{refs ? 'Comparing…' : 'Loading…'}</li>
          ) : files.length === 0 ? (
            <li className="muted">No differences.</li>
          ) : (
            files.map((f) => (
              <li key={f.path}>
                <button type="button" data-testid="diff-file" aria-pressed={f.path === selected} className={f.path === selected ? 'selected' : undefined} onClick={() => setSelected(f.path)}>
                  <span className={`df-status df-status-${f.status}`} title={STATUS_LABEL[f.status]}>
                    {f.status}
                  </span>{' '}
                  {f.path}
                </button>
              </li>
            ))
          )}
        </ul>
        <div className="df-main">{file && monaco ? <FileDiff key={`${from}..${to}:${file.path}`} monaco={monaco} file={file} /> : file ? <p className="muted">Loading the editor…</p> : null}</div>
      </div>
    </section>
  );
}
