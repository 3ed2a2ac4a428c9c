// Statistics over the samples the data planes keep (replica lag, commit latency, volume I/O).

/** The nearest-rank percentile `p` (0–100) of `values`; null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** A replica's lag over its kept samples, as ReplicaLagReport shows it. */
export function lagStatistics(samples: readonly number[]) {
  return {
    samples: samples.length,
    medianLagMs: percentile(samples, 50),
    p99LagMs: percentile(samples, 99),
    maxLagMs: samples.length ? Math.max(...samples) : null,
  };
}

/** The last `kept` latencies (ms), summed up as the metrics show them. */
export class LatencySamples {
  private readonly values: number[] = [];
  constructor(private readonly kept = 300) {}

  push(ms: number): void {
    this.values.push(Math.round(ms * 1000) / 1000);
    if (this.values.length > this.kept) this.values.shift();
  }

  summary() {
    return { samples: this.values.length, p50: percentile(this.values, 50), p99: percentile(this.values, 99), last: this.values[this.values.length - 1] ?? null };
  }
}

/**
 * A volume's cumulative I/O counters, sampled every few seconds, as CloudWatch reports them:
 * VolumeReadIOPs / VolumeWriteIOPs are the billed I/Os of the last 5-minute period (here over
 * the samples of up to the last 5 minutes), and per second.
 */
export class IoWindow {
  private samples: { at: number; readIOs: number; writeIOs: number }[] = [];

  record(readIOs: number, writeIOs: number, at = Date.now()): void {
    this.samples.push({ at, readIOs, writeIOs });
    while (this.samples.length > 0 && this.samples[0]!.at < at - 5 * 60_000 - 10_000) this.samples.shift();
  }

  report() {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const seconds = first && last && last.at > first.at ? (last.at - first.at) / 1000 : 0;
    return {
      VolumeReadIOPs: first && last ? last.readIOs - first.readIOs : null,
      VolumeWriteIOPs: first && last ? last.writeIOs - first.writeIOs : null,
      readIOsPerSecond: seconds ? (last!.readIOs - first!.readIOs) / seconds : null,
      writeIOsPerSecond: seconds ? (last!.writeIOs - first!.writeIOs) / seconds : null,
      ioPeriodSeconds: seconds,
    };
  }
}
