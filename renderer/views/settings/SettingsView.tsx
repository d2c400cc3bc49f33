import { useCallback, useEffect, useRef, useState } from 'react';
import type { CallRequest, CallResponse, Transport } from '../../../shared/contract.ts';
import { type Monaco, monacoTheme } from '../reviews/monaco.ts';
import { loadMonacoYaml } from './yaml.ts';
import { DiscordSettings } from './DiscordSettings.tsx';
import { KeysSettings } from './KeysSettings.tsx';
import './settings.css';
import { errorText } from '../../lib/error-text.ts';

type FileName = CallRequest<'config.read'>['file'];
type Check = CallResponse<'config.validate'>;
type Editor = ReturnType<Monaco['editor']['create']>;
type Model = ReturnType<Monaco['editor']['createModel']>;

const FILES: readonly FileName[] = ['agents.yaml', '.project_policies.yaml', 'discord.yaml'];
const DEBOUNCE_MS = 300;
const OWNER = 'governor-config';

interface FileState {
  saved: string;
  text: string;
  check: Check | null;
  checking: boolean;
}

/** The project's two YAML files in Monaco, checked against their schema as you type, saved when valid. */
export function SettingsView({ conn, connected }: { conn: Transport; connected: boolean }) {
  const [file, setFile] = useState<FileName>('agents.yaml');
  const [monaco, setMonaco] = useState<Monaco | null>(null);
  const [states, setStates] = useState<Partial<Record<FileName, FileState>>>({});
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [savedNote, setSavedNote] = useState<string | null>(null);
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<Editor | null>(null);
  const models = useRef(new Map<FileName, Model>());
  const seq = useRef(new Map<FileName, number>());
  const timers = useRef(new Map<FileName, ReturnType<typeof setTimeout>>());

  const patch = useCallback(
    (f: FileName, p: Partial<FileState>) =>
      setStates((s) => ({ ...s, [f]: { saved: '', text: '', check: null, checking: false, ...s[f], ...p } })),
    [],
  );

  // Typing waits for a pause before asking the host; the file as loaded is checked at once.
  const validate = (f: FileName, text: string, delay = DEBOUNCE_MS) => {
    const n = (seq.current.get(f) ?? 0) + 1;
    seq.current.set(f, n);
    patch(f, { text, checking: true });
    clearTimeout(timers.current.get(f));
    timers.current.set(
      f,
      setTimeout(() => {
        conn.call('config.validate', { file: f, text }).then(
          (check) => seq.current.get(f) === n && patch(f, { check, checking: false }),
          (err: unknown) =>
            seq.current.get(f) === n &&
            patch(f, {
              check: { ok: false, issues: [{ line: 0, path: '', message: `Could not validate: ${errorText(err)}` }] },
              checking: false,
            }),
        );
      }, delay),
    );
  };
  const validateRef = useRef(validate);
  validateRef.current = validate;

  useEffect(() => {
    let live = true;
    loadMonacoYaml().then(
      (m) => live && setMonaco(m),
      (err: unknown) => live && setError(`The editor failed to load: ${errorText(err)}`),
    );
    for (const f of FILES) {
      conn.call('config.read', { file: f }).then(
        (r) => {
          if (!live) return;
          // A file that does not exist yet (discord.yaml) starts from its template and counts as unsaved.
          patch(f, { saved: r.exists ? r.text : '', text: r.text });
          validateRef.current(f, r.text, 0);
        },
        (err: unknown) => live && setError(`Could not read ${f}: ${errorText(err)}`),
      );
    }
    const t = timers.current;
    return () => {
      live = false;
      for (const id of t.values()) clearTimeout(id);
    };
  }, [conn, patch]);

  // One editor; one model per file, created when both Monaco and the file's text are in.
  useEffect(() => {
    if (!monaco || !host.current) return;
    const ed = monaco.editor.create(host.current, {
      language: 'yaml',
      automaticLayout: true,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      theme: monacoTheme(),
      fontSize: 13,
      tabSize: 2,
      insertSpaces: true,
    });
    editor.current = ed;
    const sub = ed.onDidChangeModelContent(() => {
      const m = ed.getModel();
      const f = [...models.current].find(([, v]) => v === m)?.[0];
      if (f && m) validateRef.current(f, m.getValue());
    });
    const ms = models.current;
    return () => {
      sub.dispose();
      ed.dispose();
      editor.current = null;
      for (const m of ms.values()) m.dispose();
      ms.clear();
    };
  }, [monaco]);

  const current = states[file];
  const loaded = current !== undefined;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `states` is read once, when the model is created.
  useEffect(() => {
    const ed = editor.current;
    if (!monaco || !ed || !loaded) return;
    let m = models.current.get(file);
    if (!m) {
      m = monaco.editor.createModel(states[file]?.text ?? '', 'yaml');
      models.current.set(file, m);
    }
    if (ed.getModel() !== m) ed.setModel(m);
    // `states` is read once, at model creation; later edits flow from the model into the state.
  }, [monaco, file, loaded]);

  // Issues as markers at their lines.
  const check = current?.check ?? null;
  // `loaded` is the trigger: the model exists once the file is in.
  // biome-ignore lint/correctness/useExhaustiveDependencies: explained above
  useEffect(() => {
    const m = models.current.get(file);
    if (!monaco || !m) return;
    const count = m.getLineCount();
    monaco.editor.setModelMarkers(
      m,
      OWNER,
      (check?.issues ?? []).map((i) => {
        const line = Math.min(Math.max(i.line, 1), count);
        return {
          severity: monaco.MarkerSeverity.Error,
          message: i.path ? `${i.path}: ${i.message}` : i.message,
          startLineNumber: line,
          startColumn: 1,
          endLineNumber: line,
          endColumn: m.getLineMaxColumn(line),
        };
      }),
    );
  }, [monaco, file, check, loaded]);

  const dirty = !!current && current.text !== current.saved;
  const valid = !!check?.ok && !current?.checking;
  const onSave = () => {
    if (!current) return;
    const text = current.text;
    setSaving(true);
    setSavedNote(null);
    conn.call('config.write', { file, text }).then(
      (r) => {
        setSaving(false);
        if (r.ok) {
          patch(file, { saved: text, check: r });
          setSavedNote(`${file} saved.`);
        } else patch(file, { check: r });
      },
      (err: unknown) => {
        setSaving(false);
        setError(`Could not save ${file}: ${errorText(err)}`);
      },
    );
  };

  return (
    <section className="view st-view" aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <p className="st-note">
        Changes are saved to the project’s files and take effect the next time the project is opened.
      </p>
      {error && (
        <p className="banner banner-bad" role="alert">
          {error}
        </p>
      )}
      <div className="st-tabs" role="tablist" aria-label="Configuration files">
        {FILES.map((f) => (
          <button
            key={f}
            type="button"
            role="tab"
            aria-selected={f === file}
            className={f === file ? 'selected' : undefined}
            onClick={() => setFile(f)}
          >
            {f}
            {states[f] && states[f].text !== states[f].saved ? ' •' : ''}
          </button>
        ))}
      </div>
      {!monaco || !loaded ? <p className="muted">Loading…</p> : null}
      <div
        ref={host}
        className="st-monaco"
        data-testid="settings-editor"
        role="tabpanel"
        aria-label={file}
        hidden={!monaco || !loaded}
      />
      <div className="st-issues" data-testid="settings-issues" aria-live="polite">
        {!current || current.checking || !check ? (
          <p className="muted">Checking…</p>
        ) : check.ok ? (
          <p className="st-ok">No problems found.</p>
        ) : (
          <ul>
            {check.issues.map((i, k) => (
              // each check replaces the whole list; issues have no identity.
              // biome-ignore lint/suspicious/noArrayIndexKey: explained above
              <li key={k}>
                <button
                  type="button"
                  className="st-issue"
                  onClick={() => editor.current?.revealLineInCenter(Math.max(i.line, 1))}
                >
                  {i.line > 0 ? `Line ${i.line}` : 'File'}
                  {i.path ? ` · ${i.path}` : ''}: {i.message}
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="st-actions">
        <button
          type="button"
          className="primary"
          data-testid="settings-save"
          disabled={!connected || !valid || saving || !current}
          onClick={onSave}
        >
          {saving ? 'Saving…' : 'Save'}
        </button>
        {dirty ? (
          <span className="muted">Unsaved changes</span>
        ) : savedNote ? (
          <span role="status">{savedNote}</span>
        ) : null}
      </div>
      {file === 'discord.yaml' && current?.saved === '' ? (
        <p className="st-note" data-testid="discord-yaml-new">
          This project has no <code>discord.yaml</code> yet: this is a starter. Fill in your server’s ids and Save to
          create it; the bot token goes in Providers and keys below, never in the file.
        </p>
      ) : null}
      <KeysSettings conn={conn} connected={connected} />
      <DiscordSettings conn={conn} connected={connected} />
    </section>
  );
}
