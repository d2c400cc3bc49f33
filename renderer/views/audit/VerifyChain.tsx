import { useEffect, useState } from 'react';
import type { CallResponse, Transport } from '../../../shared/contract.ts';
import { errorText } from '../../lib/error-text.ts';

type Result = { kind: 'ok'; value: CallResponse<'ledger.verify'> } | { kind: 'error'; message: string };

/** Re-check the hash chain end to end, and every export against it. */
export function VerifyChain({ conn }: { conn: Transport }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Result | null>(null);
  // How far a long verification has got, as the host reports it page by page.
  const [progress, setProgress] = useState<string | null>(null);
  useEffect(() => {
    if (!busy) return setProgress(null);
    return conn.on('progress', (p) => p.kind === 'verify' && setProgress(p.text));
  }, [conn, busy]);
  const run = () => {
    setBusy(true);
    conn.call('ledger.verify', {}).then(
      (value) => {
        setResult({ kind: 'ok', value });
        setBusy(false);
      },
      (err: unknown) => {
        setResult({ kind: 'error', message: errorText(err) });
        setBusy(false);
      },
    );
  };
  const v = result?.kind === 'ok' ? result.value : null;
  const good = v?.ok && v.firstBad === null && v.exports.length === 0;
  return (
    <div className="verify">
      {result && (
        <div
          className={`verify-result ${good ? 'verify-ok' : 'text-bad'}`}
          data-testid="verify-result"
          data-ok={String(good)}
          role="status"
        >
          {result.kind === 'error' && <>Could not verify: {result.message}</>}
          {v && good && <>Chain intact: {v.checked.toLocaleString()} events checked.</>}
          {v && !good && (
            <>
              {v.ok && v.firstBad === null
                ? `Chain intact: ${v.checked.toLocaleString()} events checked, but ` +
                  `${v.exports.length === 1 ? 'this file differs' : 'these files differ'} from the ` +
                  `ledger:`
                : `Chain broken${v.firstBad ? ` at #${v.firstBad.seq} (${v.firstBad.id}): ` : ''}` +
                  `${v.firstBad ? v.firstBad.reason : ''}; ${v.checked.toLocaleString()} checked.`}
              {v.exports.map((x) => (
                <div key={x.path}>
                  {x.path}: {x.problem}
                </div>
              ))}
            </>
          )}
        </div>
      )}
      {busy && progress && (
        <span className="muted" role="status" data-testid="verify-progress">
          {progress}
        </span>
      )}
      <button type="button" data-testid="verify-chain" onClick={run} disabled={busy}>
        {busy ? 'Verifying…' : 'Verify chain'}
      </button>
    </div>
  );
}
