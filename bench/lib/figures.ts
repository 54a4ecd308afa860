import type { INestApplication } from '@nestjs/common';
import type { DataSource } from 'typeorm';

export type Scale = 'small' | 'full';

/** One measured number. `ok` is set only when the figure has a target. */
export interface Figure {
  bench: string;
  figure: string;
  value: number;
  unit: string;
  target?: string;
  ok?: boolean;
  note?: string;
  /**
   * The same bench and figure (same unit) in the committed `latest-<scale>.json` before this run,
   * and value / previous (omitted when previous is 0); both omitted when there was none. Set by
   * bench/run.ts, not by the benches.
   */
  previous?: number;
  ratio?: number;
}

export interface BenchContext {
  app: INestApplication;
  dataSource: DataSource;
  /**
   * The environment the in-process app was built with (DATABASE_URL, MASTER_KEY_FILE, JWT_KEYS_DIR,
   * ...): benches that start the server as a child process hand it on.
   */
  env: Record<string, string | undefined>;
  scale: Scale;
  /** Progress on stderr (stdout carries only the figure lines). */
  log: (message: string) => void;
}

export type BenchFn = (ctx: BenchContext) => Promise<Figure[]>;

export interface FigureOptions {
  /** Target: value >= min. */
  min?: number;
  /** Target: value <= max. */
  max?: number;
  note?: string;
  /** Decimal places kept in the reported value (default: 3 significant-ish decimals). */
  decimals?: number;
}

/** Builds a figure, rounding its value and deriving `target` and `ok` from min/max. */
export function figure(
  bench: string,
  name: string,
  value: number,
  unit: string,
  options: FigureOptions = {},
): Figure {
  const decimals = options.decimals ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 1 ? 2 : 4);
  const rounded = Number.isFinite(value) ? Number(value.toFixed(decimals)) : value;
  const out: Figure = { bench, figure: name, value: rounded, unit };
  const targets: string[] = [];
  let ok = true;
  if (options.min !== undefined) {
    targets.push(`>= ${options.min}`);
    ok &&= value >= options.min;
  }
  if (options.max !== undefined) {
    targets.push(`<= ${options.max}`);
    ok &&= value <= options.max;
  }
  if (targets.length > 0) {
    out.target = targets.join(' and ');
    out.ok = ok;
  }
  if (options.note) out.note = options.note;
  return out;
}
