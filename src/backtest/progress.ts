/** A one-line progress bar on stderr: share done (by bytes), lines, rate and ETA. */
export class Progress {
  private lastDraw = 0;
  private readonly started = performance.now();

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly totalBytes: number | undefined,
    private readonly label = 'backtest',
    /** Shown after the rate (for example the number of worker threads). */
    private readonly note = '',
  ) {}

  update(bytes: number, lines: number, force = false): void {
    const now = performance.now();
    if (!force && now - this.lastDraw < 200) return;
    this.lastDraw = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? lines / seconds : 0;
    const share = this.totalBytes ? Math.min(1, bytes / this.totalBytes) : undefined;
    const width = 24;
    const bar = share === undefined ? '' : `[${'#'.repeat(Math.round(share * width)).padEnd(width, '-')}] ${(share * 100).toFixed(0).padStart(3)}% `;
    const eta = share !== undefined && share > 0 && share < 1 ? ` ETA ${clock((seconds * (1 - share)) / share)}` : '';
    this.stream.write(`\r${this.label} ${bar}${lines.toLocaleString('en-US')} lines ${Math.round(rate).toLocaleString('en-US')}/s${this.note}${eta}   `);
  }

  done(bytes: number, lines: number): void {
    this.update(bytes, lines, true);
    this.stream.write('\n');
  }
}

function clock(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}
