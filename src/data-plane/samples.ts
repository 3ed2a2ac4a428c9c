// Statistics over the samples the data planes keep (replica lag, commit latency).

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
