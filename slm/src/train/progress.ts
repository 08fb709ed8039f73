/**
 * The training progress bar on stderr: step, loss, tokens/s and ETA, redrawn in place on a
 * terminal and printed as a plain line every few seconds otherwise (logs, CI).
 */
export interface ProgressInfo {
  step: number; // steps done
  steps: number; // steps planned
  loss: number;
  lr: number;
  tokensPerSecond: number;
  secondsPerStep: number;
  valLoss?: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

export function progressLine(p: ProgressInfo, width = 24): string {
  const frac = p.steps > 0 ? Math.min(1, p.step / p.steps) : 1;
  const filled = Math.round(frac * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const eta = formatDuration((p.steps - p.step) * p.secondsPerStep);
  const val = p.valLoss === undefined ? '' : ` val ${p.valLoss.toFixed(3)}`;
  return `${bar} ${p.step}/${p.steps} loss ${p.loss.toFixed(3)}${val} lr ${p.lr.toExponential(1)} ${Math.round(p.tokensPerSecond)} tok/s ETA ${eta}`;
}

export class ProgressBar {
  private lastPrint = 0;
  private drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr, private readonly everyMs = 5000) {}

  update(p: ProgressInfo): void {
    const line = progressLine(p);
    if (this.stream.isTTY) {
      this.stream.write(`\r${line.slice(0, Math.max(20, (this.stream.columns || 120) - 1))}\x1b[K`);
      this.drawn = true;
      return;
    }
    const now = Date.now();
    if (now - this.lastPrint >= this.everyMs || p.step === p.steps) {
      this.stream.write(`${line}\n`);
      this.lastPrint = now;
    }
  }

  /** A message on its own line (the bar is redrawn by the next update). */
  log(message: string): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.stream.write(`${message}\n`);
  }

  done(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
