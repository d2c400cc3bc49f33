import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../errors.ts';
import { resourcePath } from '../../resources.ts';

const PriceTable = z.record(
  z.string(),
  z.object({ input: z.number().nonnegative(), output: z.number().nonnegative() }).strict(),
);
export type PriceTable = z.infer<typeof PriceTable>;

function load(file: string): PriceTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  const parsed = PriceTable.safeParse(parseYaml(text) ?? {});
  if (!parsed.success)
    throw new ConfigError(
      file,
      0,
      `prices must map "provider:model" to { input, output } dollars per million tokens: ` +
        `${parsed.error.issues[0]?.message ?? ''}`,
    );
  return parsed.data;
}

/** The shipped price table, overridden entry by entry by the project's own `prices.yaml`. */
export function loadPrices(projectDir: string): PriceTable {
  return { ...load(resourcePath('prices.yaml')), ...load(join(projectDir, 'prices.yaml')) };
}

export function costOf(
  prices: PriceTable,
  model: string,
  input: number,
  output: number,
): { usd: number; priced: boolean } {
  if (model.startsWith('ollama:')) return { usd: 0, priced: true };
  const p = prices[model];
  if (!p) return { usd: 0, priced: false };
  return { usd: Math.round(((input * p.input + output * p.output) / 1_000_000) * 1e6) / 1e6, priced: true };
}
