-- Batches of BENCH_BATCH events for /api/v1/track/batch; bodies are prebuilt and rotated.
local size = tonumber(os.getenv("BENCH_BATCH") or "100")
local key = os.getenv("BENCH_KEY")
local ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
local bodies = {}
local n = 0

for b = 1, 16 do
  local events = {}
  for i = 1, size do
    local k = b * size + i
    events[i] = '{"url":"https://bench.example/b' .. (k % 400) .. '","ip":"81.3.' .. (k % 250) ..
      '.' .. (b % 250) .. '","user_agent":"' .. ua .. '","referrer":"https://www.bing.com/"}'
  end
  bodies[b] = '{"events":[' .. table.concat(events, ",") .. ']}'
end

request = function()
  n = n + 1
  return wrk.format("POST", "/api/v1/track/batch",
    {["Content-Type"] = "application/json", ["X-API-Key"] = key}, bodies[(n % 16) + 1])
end
