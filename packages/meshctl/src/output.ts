import { stringify } from 'yaml';

/** Machine-readable output formats every command accepts with `-o`. */
export type OutputFormat = 'table' | 'json' | 'yaml';

/** Parses `-o`; undefined means a table for people. */
export function outputFormat(value: string | undefined, allowed: readonly OutputFormat[] = ['table', 'json', 'yaml']): OutputFormat | { error: string } {
  if (value === undefined || value === 'wide') return 'table';
  if ((allowed as readonly string[]).includes(value)) return value as OutputFormat;
  return { error: `-o ${value}: use ${allowed.filter((f) => f !== 'table').join(' or ')}` };
}

/** Serialises data for scripts. */
export function serialise(data: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(data, null, 2) + '\n' : stringify(data, { lineWidth: 0 });
}

/**
 * ANSI colour, only for a terminal: off when stdout is not a TTY, when `NO_COLOR` is set (non-empty)
 * (https://no-color.org) or `TERM=dumb`; `FORCE_COLOR` turns it on.
 */
export interface Colours {
  readonly enabled: boolean;
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

/** Colours for a stream. */
export function colours(isTTY: boolean | undefined, env: NodeJS.ProcessEnv): Colours {
  const forced = env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0';
  const enabled = forced || (isTTY === true && !env['NO_COLOR'] && env['TERM'] !== 'dumb');
  const wrap = (open: number, close: number) => (s: string) => (enabled ? `\u001b[${open}m${s}\u001b[${close}m` : s);
  return { enabled, green: wrap(32, 39), red: wrap(31, 39), yellow: wrap(33, 39), bold: wrap(1, 22), dim: wrap(2, 22) };
}

const ANSI = /\u001b\[\d+m/g;
const visible = (s: string): number => s.replace(ANSI, '').length;

/**
 * A left-aligned table with a header, like kubectl's; cells may be coloured (widths count only
 * the visible characters). Trailing spaces are trimmed.
 */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => visible(r[i] ?? ''))));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - visible(c) + 3)))
      .join('')
      .trimEnd() + '\n';
  return line(header) + rows.map(line).join('');
}

/** Where progress goes: stderr, and only on a terminal (scripts read stdout and get no noise). */
export interface ProgressSink {
  readonly isTTY: boolean;
  write(text: string): void;
  /** True while a progress line is on screen: output written meanwhile must clear it first ({@link clearingProgress}). */
  active?: boolean;
}

/** Wraps an output function so that a progress line on the same terminal is cleared before each write (it is redrawn after). */
export function clearingProgress(sink: ProgressSink, write: (text: string) => void): (text: string) => void {
  return (text) => {
    if (sink.active) sink.write('\r\u001b[2K');
    write(text);
  };
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Runs `work`, showing a spinner with `label` on a terminal once it has taken more than
 * `afterMs` (1 s), and clearing it when done. Without a terminal nothing is shown.
 */
export async function withProgress<T>(sink: ProgressSink | undefined, label: string | (() => string), work: Promise<T>, afterMs = 1000): Promise<T> {
  if (!sink?.isTTY) return work;
  let frame = 0;
  let shown = false;
  const text = () => (typeof label === 'string' ? label : label());
  const draw = () => {
    shown = true;
    sink.active = true;
    sink.write(`\r\u001b[2K${FRAMES[frame++ % FRAMES.length]} ${text()}`);
  };
  let timer: NodeJS.Timeout | undefined;
  const start = setTimeout(() => {
    draw();
    timer = setInterval(draw, 100);
  }, afterMs);
  try {
    return await work;
  } finally {
    clearTimeout(start);
    clearInterval(timer);
    if (shown) sink.write('\r\u001b[2K');
    sink.active = false;
  }
}
