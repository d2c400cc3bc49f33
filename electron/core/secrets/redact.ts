/**
 * Keys must never reach the ledger, logs, exports, reports, Discord or git. Everything that leaves the
 * process through one of those doors and could carry request data passes through a redactor that knows
 * every key in use.
 */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string | null | undefined): void {
    // Very short strings would redact ordinary words; real keys are long.
    if (secret && secret.length >= 8) this.secrets.add(secret);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('«redacted»');
    // Bearer tokens and provider-shaped keys we were never told about are masked too.
    return out.replace(/\b(sk-(?:ant-)?[A-Za-z0-9_-]{12,})\b/g, '«redacted»').replace(/(authorization|x-api-key)("?\s*[:=]\s*"?)(Bearer\s+)?[^"\s,}]+/gi, '$1$2$3«redacted»');
  }
}
