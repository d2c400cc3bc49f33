import { useCallback, useEffect, useState } from 'react';
import type { CallResponse, KeyStatus, Transport } from '../../../shared/contract.ts';
import { DiscordConfigFacts } from './DiscordConfigFacts.tsx';
import { errorText } from '../../lib/error-text.ts';
import { refusalLine } from '../../../shared/refusal-line.ts';

type Status = CallResponse<'discord.status'>;

/**
 * Settings → Discord: whether the link is configured and running, what waits in the outbox, the last
 * delivery problem, and a test message sent through the same outbox as every alert.
 */
export function DiscordSettings({ conn, connected }: { conn: Transport; connected: boolean }) {
  const [status, setStatus] = useState<Status | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);

  const [token, setToken] = useState<KeyStatus | null>(null);
  // Where the bot token was found, as Providers and keys shows it (the token itself never comes back).
  useEffect(() => {
    conn.call('keys.list', {}).then(
      (k) => setToken(k.keys.find((x) => x.name === 'discord') ?? null),
      () => setToken(null),
    );
  }, [conn]);
  const refresh = useCallback(() => {
    conn.call('discord.status', {}).then(
      (s) => {
        setStatus(s);
        setError(null);
      },
      (err: unknown) => setError(errorText(err)),
    );
  }, [conn]);

  // The outbox moves with the ledger: refresh whenever events land.
  useEffect(() => {
    refresh();
    return conn.on('ledger.appended', refresh);
  }, [conn, refresh]);

  const sendTest = () => {
    setSending(true);
    setNote(null);
    conn.call('discord.test', {}).then(
      () => {
        setNote('Test message queued for #system-health.');
        setSending(false);
        setTimeout(refresh, 1500);
      },
      (err: unknown) => {
        setError(errorText(err));
        setSending(false);
      },
    );
  };

  const retryDead = () => {
    setNote(null);
    conn.call('discord.retry', {}).then(
      (r) => {
        setNote(`${r.requeued} message${r.requeued === 1 ? '' : 's'} queued again.`);
        refresh();
      },
      (err: unknown) => setError(errorText(err)),
    );
  };

  return (
    <section className="st-discord" aria-labelledby="discord-title" data-testid="discord-settings">
      <h3 id="discord-title">Discord</h3>
      {error && (
        <p className="banner banner-bad" role="alert">
          {error}
        </p>
      )}
      {!status ? (
        <p className="muted">Loading…</p>
      ) : !status.configured ? (
        <p className="st-note">
          Not configured. Fill in the <code>discord.yaml</code> tab above and save it (see the README’s Discord
          section), put the bot token in <code>DISCORD_BOT_TOKEN</code> or in Providers and keys, reopen the project,
          then run <code>governor discord setup</code>.
        </p>
      ) : (
        <dl className="st-discord-facts">
          <dt>Mode</dt>
          <dd>{status.mode === 'webhook' ? 'Webhooks (outbound only)' : 'Bot (alerts, buttons, slash commands)'}</dd>
          <dt>Link</dt>
          <dd data-testid="discord-link">
            {status.running
              ? status.connected
                ? 'Running, connected'
                : 'Running, not connected'
              : 'Not running — start it with governor serve or governor discord run'}
          </dd>
          <dt>Outbox</dt>
          <dd data-testid="discord-outbox">
            {status.pending} pending · {status.sent} sent{status.dead > 0 ? ` · ${status.dead} undeliverable` : ''}
          </dd>
          <dt>Last error</dt>
          <dd>{status.last_error ?? 'none'}</dd>
          <dt>Refused attempts</dt>
          <dd data-testid="discord-refused">
            {refusalLine({ latest: status.refused, last24h: status.refused_24h }) ?? 'none'}
          </dd>
          {status.config && <DiscordConfigFacts config={status.config} token={token} />}
        </dl>
      )}
      <div className="st-actions">
        <button
          type="button"
          data-testid="discord-test"
          disabled={!connected || !status?.configured || sending}
          onClick={sendTest}
        >
          {sending ? 'Sending…' : 'Send test message'}
        </button>
        {status && status.dead > 0 && (
          <button
            type="button"
            data-testid="discord-retry"
            disabled={!connected}
            onClick={retryDead}
            title="Queue the undeliverable messages again, once their cause is fixed"
          >
            Retry {status.dead} undeliverable
          </button>
        )}
        {note ? <span role="status">{note}</span> : null}
      </div>
    </section>
  );
}
