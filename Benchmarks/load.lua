-- wrk script of Benchmarks/load.sh: every request POSTs the sample export (the file named by
-- ESFCHECK_LOAD_BODY) as application/xml and asks for JSON. The sample is rejected, so 406 with a
-- JSON report saying "reject" is the expected answer; anything else counts as an error.
local f = assert(io.open(os.getenv("ESFCHECK_LOAD_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.path = "/v1/check"
wrk.headers["Content-Type"] = "application/xml"
wrk.headers["Accept"] = "application/json"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  expected = 0
  other = 0
end

function response(status, headers, body)
  if status == 406 and body:find('"verdict" : "reject"', 1, true) then
    expected = expected + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local e, o = 0, 0
  for _, t in ipairs(threads) do
    e = e + t:get("expected")
    o = o + t:get("other")
  end
  local socket = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("LOAD requests=%d seconds=%.1f rps=%.1f p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f expected=%d errors=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e, o, socket))
end
