import { useCallback, useEffect, useState } from 'react';
import type { CallResponse, Transport } from '../../../shared/contract.ts';
import type { KeyName } from '../../../shared/domain/provider.ts';
import { errorText } from '../../lib/error-text.ts';

type Overview = CallResponse<'keys.list'>;

const LABEL: Record<KeyName, string> = {
  anthropic: 'Anthropic',
  openai: 'OpenAI',
  ollama: 'Ollama',
  'openai-compatible': 'OpenAI-compatible',
  discord: 'Discord bot token',
};
const SOURCE: Record<'environment' | 'keys_file' | 'store', string> = {
  environment: 'from the environment',
  keys_file: 'from agents.yaml keys_file',
  store: 'stored in Settings',
};

/**
 * Settings → Providers and keys: which keys the project's runtimes (and the Discord bot) need, where
 * each is found, and a field to store one. A key only ever travels into the store; the host answers
 * with where keys come from, never with a key, so nothing here can display one.
 */
export function KeysSettings({ conn, connected }: { conn: Transport; connected: boolean }) {
  const [data, setData] = useState<Overview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [drafts, setDrafts] = useState<Partial<Record<KeyName, string>>>({});
  const [busy, setBusy] = useState<KeyName | null>(null);

  const load = useCallback(() => {
    conn.call('keys.list', {}).then(
      (d) => {
        setData(d);
        setError(null);
      },
      (err: unknown) => setError(errorText(err)),
    );
  }, [conn]);
  useEffect(load, [load]);

  const act = (name: KeyName, run: () => Promise<Overview>, done: string) => {
    setBusy(name);
    setNote(null);
    run().then(
      (d) => {
        setData(d);
        setDrafts((x) => ({ ...x, [name]: '' }));
        setNote(done);
        setError(null);
        setBusy(null);
      },
      (err: unknown) => {
        setError(errorText(err));
        setBusy(null);
      },
    );
  };

  return (
    <section className="st-keys" aria-labelledby="keys-title" data-testid="keys-settings">
      <h3 id="keys-title">Providers and keys</h3>
      {error && (
        <p className="banner banner-bad" role="alert">
          {error}
        </p>
      )}
      {!data ? (
        <p className="muted">Loading…</p>
      ) : data.keys.length === 0 ? (
        <p className="st-note">
          Every agent runs on the scripted runtime and there is no Discord bot, so no key is needed. Choose a model per
          role in agents.yaml (e.g. <code>runtime: anthropic:claude-sonnet-4-5</code>) and its key shows up here.
        </p>
      ) : (
        <>
          <p className="st-note">
            Looked up in this order: the environment, the agents.yaml <code>keys_file</code>, then{' '}
            {data.store ? (
              <>
                the store (<code>{data.store}</code>)
              </>
            ) : (
              'nothing else: this front end has no key store'
            )}
            . Keys are never shown again once saved.
          </p>
          <table className="st-keys-table">
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Used by</th>
                <th scope="col">Status</th>
                <th scope="col">Set a key</th>
              </tr>
            </thead>
            <tbody>
              {data.keys.map((k) => {
                const draft = drafts[k.name] ?? '';
                const stored = data.stored.includes(k.name);
                return (
                  <tr
                    key={`${k.name}:${k.env ?? ''}`}
                    data-testid="key-row"
                    data-key={k.name}
                    data-source={k.source ?? 'none'}
                  >
                    <th scope="row">
                      {LABEL[k.name]}
                      {k.env ? <div className="muted">${k.env}</div> : null}
                    </th>
                    <td>{k.used_by.join(', ')}</td>
                    <td className={k.source ? 'st-ok' : k.required ? 'st-bad' : 'muted'}>
                      {k.source
                        ? `Found, ${SOURCE[k.source]}`
                        : k.required
                          ? 'Missing'
                          : 'None (fine for a local server)'}
                      {k.problem ? <div className="st-bad">{k.problem}</div> : null}
                    </td>
                    <td>
                      {data.store ? (
                        <form
                          className="st-key-form"
                          onSubmit={(e) => {
                            e.preventDefault();
                            act(
                              k.name,
                              () => conn.call('keys.set', { name: k.name, key: draft }),
                              `${LABEL[k.name]} key stored.`,
                            );
                          }}
                        >
                          <input
                            type="password"
                            autoComplete="off"
                            spellCheck={false}
                            aria-label={`${LABEL[k.name]} key`}
                            placeholder={stored ? 'stored — type to replace' : 'paste the key'}
                            value={draft}
                            onChange={(e) => setDrafts((x) => ({ ...x, [k.name]: e.target.value }))}
                          />
                          <button type="submit" disabled={!connected || !draft.trim() || busy !== null}>
                            Save
                          </button>
                          {stored ? (
                            <button
                              type="button"
                              disabled={!connected || busy !== null}
                              onClick={() =>
                                act(
                                  k.name,
                                  () => conn.call('keys.remove', { name: k.name }),
                                  `${LABEL[k.name]} key removed from the store.`,
                                )
                              }
                            >
                              Remove
                            </button>
                          ) : null}
                        </form>
                      ) : (
                        <span className="muted">{k.env ? `export ${k.env}=…` : 'set it in agents.yaml keys_file'}</span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
      {note ? (
        <p role="status" data-testid="keys-note">
          {note} The agents use it from their next step; the Discord link on its next start.
        </p>
      ) : null}
    </section>
  );
}
