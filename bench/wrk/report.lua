-- Prints one JSON line at the end of a wrk run: requests/s, p50 and p95 latency (ms),
-- and the share of failed requests. A request fails on a socket error, a timeout or
-- an HTTP status of 400 or more; with EXPECT_STATUS set, any other status fails too.
local expect = tonumber(os.getenv("EXPECT_STATUS") or "")
unexpected = 0 -- a global of each thread, read back in done()
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

if os.getenv("WRK_METHOD") then
  wrk.method = os.getenv("WRK_METHOD")
end
if os.getenv("WRK_BODY") then
  wrk.body = os.getenv("WRK_BODY")
end
if os.getenv("WRK_COOKIE") then
  wrk.headers["Cookie"] = os.getenv("WRK_COOKIE")
end
if os.getenv("WRK_CONTENT_TYPE") then
  wrk.headers["Content-Type"] = os.getenv("WRK_CONTENT_TYPE")
end
if os.getenv("WRK_REFERER") then
  wrk.headers["Referer"] = os.getenv("WRK_REFERER")
end

if expect then
  response = function(status, headers, body)
    if status ~= expect and status < 400 then
      unexpected = unexpected + 1
    end
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  local failed = e.connect + e.read + e.write + e.status + e.timeout
  for _, thread in ipairs(threads) do
    failed = failed + (thread:get("unexpected") or 0)
  end
  local total = summary.requests
  io.write(string.format(
    '{"requests": %d, "rps": %.2f, "p50_ms": %.2f, "p95_ms": %.2f, "failed": %d, "error_pct": %.2f}\n',
    total, total / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, failed, total > 0 and 100 * failed / total or 0))
end
