/**
 * Order statistics for benchmark samples: median, min–max, quartiles (linear interpolation), IQR,
 * MAD, and the relative spread ((max − min) / median) the busy check uses.
 */

function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

const median = (xs) =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );

/** Summary of one series of samples (seconds, ratios, ...). */
function summarize(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const med = quantile(s, 0.5);
  const q1 = quantile(s, 0.25);
  const q3 = quantile(s, 0.75);
  const mad = median(s.map((x) => Math.abs(x - med)));
  return {
    n: s.length,
    median: med,
    min: s[0],
    max: s[s.length - 1],
    q1,
    q3,
    iqr: q3 - q1,
    mad,
    /** (max − min) / median: how far apart the repeats of one tool were */
    spread: med > 0 ? (s[s.length - 1] - s[0]) / med : 0,
  };
}

module.exports = { quantile, median, summarize };
