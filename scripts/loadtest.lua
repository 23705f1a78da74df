-- wrk's summary as one JSON line (make loadtest): requests/s, latency percentiles in ms, and errors (socket errors
-- and every HTTP status of 400 or more).
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "rps": %.1f, "p50": %.1f, "p95": %.1f, "p99": %.1f, "errors": %d}\n',
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout + e.status))
end
