import { useEffect, useRef, useState } from 'react';
import type { Transport } from '../../../shared/contract.ts';
import { diffFromHash, diffHash } from '../../shell/routes.ts';
import { type Monaco, loadMonaco } from '../reviews/monaco.ts';
import { CommitPicker } from './CommitPicker.tsx';
import { type DiffFileT, FileDiff } from './FileDiff.tsx';
import { EMPTY, RefSelect, type Refs } from './RefSelect.tsx';
import './diffs.css';
import { errorText } from '../../lib/error-text.ts';

const STATUS_LABEL: Record<DiffFileT['status'], string> = { A: 'added', M: 'modified', D: 'deleted' };

/** develop → the newest phase branch (or main), when those exist. */
export function defaultRefs(refs: Refs): { from: string; to: string } {
  const names = refs.branches.map((b) => b.name);
  const phases = names.filter((n) => /phase/i.test(n)).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const from = names.includes('develop') ? 'develop' : names.includes('main') ? 'main' : (names[0] ?? EMPTY);
  const to =
    phases.at(-1) ??
    (names.includes('main') && from !== 'main' ? 'main' : (names.find((n) => n !== from) ?? names[0] ?? ''));
  return { from, to };
}

type Side = 'from' | 'to';

/**
 * Compare any two branches, tags or commits: the changed files, and the selected one in Monaco's diff
 * editor. Either side takes a branch or tag from its list, or any commit through the commit picker.
 * `#/diffs/<from>..<to>` (an audit-timeline link) opens on that comparison.
 */
export function DiffsView({ conn }: { conn: Transport }) {
  const [refs, setRefs] = useState<Refs | null>(null);
  const linked = useRef(diffFromHash(location.hash));
  const [from, setFrom] = useState(linked.current?.from ?? EMPTY);
  const [to, setTo] = useState(linked.current?.to ?? '');
  const [range, setRange] = useState<{ from: string | null; to: string } | null>(null);
  const [files, setFiles] = useState<DiffFileT[] | null>(null);
  const [cap, setCap] = useState(0);
  const [failed, setFailed] = useState(false);
  const [picking, setPicking] = useState<Side | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [monaco, setMonaco] = useState<Monaco | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    conn.call('git.refs', {}).then(
      (r) => {
        if (!live) return;
        setRefs(r);
        if (linked.current) return;
        const d = defaultRefs(r);
        setFrom(d.from);
        setTo(d.to);
      },
      (err: unknown) => live && setError(`Could not list branches: ${errorText(err)}`),
    );
    loadMonaco().then(
      (m) => live && setMonaco(m),
      (err: unknown) => live && setError(`The editor failed to load: ${errorText(err)}`),
    );
    return () => {
      live = false;
    };
  }, [conn]);

  // A link followed with this view already open; and the address kept in step with the pickers, so a
  // reload (or a copied link) shows the same comparison. replaceState fires no hashchange.
  useEffect(() => {
    const onHash = () => {
      const l = diffFromHash(location.hash);
      if (!l) return;
      linked.current = l;
      setFrom(l.from ?? EMPTY);
      setTo(l.to);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    if (to) history.replaceState(history.state, '', diffHash(from === EMPTY ? null : from, to));
  }, [from, to]);

  useEffect(() => {
    if (!to) return;
    let live = true;
    setFiles(null);
    setRange(null);
    setFailed(false);
    conn.call('git.diff', { from: from === EMPTY ? null : from, to }).then(
      (r) => {
        if (!live) return;
        setFiles(r.files);
        setCap(r.content_cap);
        setRange({ from: r.from, to: r.to });
        setSelected((s) => (s && r.files.some((f) => f.path === s) ? s : (r.files[0]?.path ?? null)));
        setError(null);
      },
      (err: unknown) => {
        if (!live) return;
        setFailed(true);
        setError(`Could not compare ${from || 'the empty tree'} with ${to}: ${errorText(err)}`);
      },
    );
    return () => {
      live = false;
    };
  }, [conn, from, to]);

  const file = files?.find((f) => f.path === selected) ?? null;
  const pick = (side: Side, rev: string) => {
    if (side === 'from') setFrom(rev);
    else setTo(rev);
    setPicking(null);
  };
  const commitButton = (side: Side, label: string) => (
    <button
      type="button"
      className="df-commit-button"
      data-testid={`diff-${side}-commit`}
      aria-expanded={picking === side}
      onClick={() => setPicking((p) => (p === side ? null : side))}
      title={`Pick any commit for ${label}: a sha, rev^, main~2, or one from a branch's history`}
    >
      Commit…
    </button>
  );
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
          {commitButton('from', 'From')}
          <span aria-hidden="true">→</span>
          <RefSelect id="diff-to" label="To" value={to} refs={refs} allowEmpty={false} onChange={setTo} />
          {commitButton('to', 'To')}
        </div>
      )}
      {refs && picking && (
        <CommitPicker
          key={picking}
          conn={conn}
          side={picking === 'from' ? 'From' : 'To'}
          refs={refs}
          current={picking === 'from' ? from : to}
          currentOid={range ? (picking === 'from' ? range.from : range.to) : null}
          onPick={(rev) => pick(picking, rev)}
          onClose={() => setPicking(null)}
        />
      )}
      {range && (
        <p className="muted df-range" data-testid="diff-range" data-from={range.from ?? ''} data-to={range.to}>
          Comparing{' '}
          <code title={range.from ?? undefined}>{range.from ? range.from.slice(0, 7) : 'the empty tree'}</code> →{' '}
          <code title={range.to}>{range.to.slice(0, 7)}</code>
          {from !== EMPTY && /\^\d*$/.test(from) ? ' (the commit against its parent)' : ''}
        </p>
      )}
      <div className="df-body">
        <ul className="df-files" aria-label="Changed files">
          {failed ? (
            <li className="muted">Nothing to compare.</li>
          ) : files === null ? (
            <li className="muted">{refs ? 'Comparing…' : 'Loading…'}</li>
          ) : files.length === 0 ? (
            <li className="muted">No differences.</li>
          ) : (
            files.map((f) => (
              <li key={f.path}>
                <button
                  type="button"
                  data-testid="diff-file"
                  aria-pressed={f.path === selected}
                  className={f.path === selected ? 'selected' : undefined}
                  onClick={() => setSelected(f.path)}
                >
                  <span className={`df-status df-status-${f.status}`} title={STATUS_LABEL[f.status]}>
                    {f.status}
                  </span>{' '}
                  {f.path}
                </button>
              </li>
            ))
          )}
        </ul>
        <div className="df-main">
          {file && monaco ? (
            <FileDiff key={`${from}..${to}:${file.path}`} monaco={monaco} file={file} cap={cap} />
          ) : file ? (
            <p className="muted">Loading the editor…</p>
          ) : null}
        </div>
      </div>
    </section>
  );
}
