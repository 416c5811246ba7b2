/**
 * Speed and time left of one stage's progress: an exponentially weighted rate over samples at
 * least half a second apart (a burst of callbacks does not swing it), and the ETA at that rate.
 */
export class RateMeter {
  private last?: { at: number; value: number };
  private rate?: number;

  constructor(
    private readonly minIntervalMs = 500,
    private readonly weight = 0.3,
    private readonly now: () => number = Date.now,
  ) {}

  sample(value: number): void {
    const at = this.now();
    if (!this.last || value < this.last.value) {
      this.last = { at, value };
      return;
    }
    const dt = at - this.last.at;
    if (dt < this.minIntervalMs) return;
    const r = ((value - this.last.value) / dt) * 1000;
    this.rate = this.rate === undefined ? r : this.rate + this.weight * (r - this.rate);
    this.last = { at, value };
  }

  estimate(current: number, total: number): { rate?: number; etaSeconds?: number } {
    if (this.rate === undefined) return {};
    const rate = Math.max(0, this.rate);
    const left = Math.max(0, total - current);
    return { rate, ...(rate > 0 ? { etaSeconds: left / rate } : {}) };
  }
}
