import type { DiscordConfigSummary, KeyStatus } from '../../../shared/contract.ts';

const WHERE: Record<NonNullable<KeyStatus['source']>, string> = {
  environment: 'found in the environment',
  keys_file: 'found in the keys_file',
  store: 'stored with Providers and keys',
};

/** discord.yaml at a glance: the server, the four channels, who may act, the daily post and where secrets come from. */
export function DiscordConfigFacts({ config, token }: { config: DiscordConfigSummary; token: KeyStatus | null }) {
  const { users, roles } = config.reviewers;
  return (
    <>
      <dt>Server</dt>
      <dd className="mono">{config.guild_id ?? <span className="muted">none (webhook mode)</span>}</dd>
      <dt>Channels</dt>
      <dd data-testid="discord-channels">
        <ul className="st-plain">
          {Object.entries(config.channels).map(([name, ref]) => (
            <li key={name}>
              #{name}
              {ref !== name && <span className="muted mono"> → {ref}</span>}
            </li>
          ))}
        </ul>
      </dd>
      <dt>Who may act</dt>
      <dd data-testid="discord-reviewers">
        {users.length + roles.length === 0 ? (
          <span className="text-bad">
            Nobody: add user ids or a role under reviewers, or every button and command is refused.
          </span>
        ) : (
          <>
            {users.length > 0 && <span>users {users.join(', ')}</span>}
            {users.length > 0 && roles.length > 0 && ' · '}
            {roles.length > 0 && <span>roles {roles.join(', ')}</span>}
          </>
        )}
      </dd>
      <dt>Daily status</dt>
      <dd>{config.daily_status ?? <span className="muted">off</span>}</dd>
      {Object.entries(config.secrets_env).map(([what, env]) => (
        <div key={what} className="st-fact-row">
          <dt>{what === 'token' ? 'Bot token' : `#${what} webhook`}</dt>
          <dd data-testid={what === 'token' ? 'discord-token' : undefined}>
            read from <code>{env}</code>
            {what === 'token' &&
              token &&
              (token.source ? (
                ` — ${WHERE[token.source]}`
              ) : (
                <span className="text-bad"> — missing: set it, or store it under Providers and keys above</span>
              ))}
          </dd>
        </div>
      ))}
    </>
  );
}
