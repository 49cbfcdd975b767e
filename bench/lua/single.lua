-- One event per request; IPs, pages and user agents vary so visitors and caches do too.
local endpoint = os.getenv("BENCH_ENDPOINT") or "plausible"
local key = os.getenv("BENCH_KEY") or ""
local uas = {
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:128.0) Gecko/20100101 Firefox/128.0",
}
local n = 0

request = function()
  n = n + 1
  local ip = "81.2." .. (n % 250) .. "." .. (math.floor(n / 250) % 250)
  local page = "/p" .. (n % 300)
  local headers = {["User-Agent"] = uas[(n % 3) + 1], ["X-Forwarded-For"] = ip}
  if endpoint == "plausible" then
    headers["Content-Type"] = "text/plain"
    local body = '{"n":"pageview","u":"https://bench.example' .. page ..
      '?utm_source=news","d":"bench.example","r":"https://www.google.com/"}'
    return wrk.format("POST", "/api/event", headers, body)
  elseif endpoint == "umami" then
    headers["Content-Type"] = "application/json"
    local body = '{"type":"event","payload":{"website":"' .. os.getenv("BENCH_UMAMI") ..
      '","hostname":"bench.example","url":"' .. page .. '","referrer":"https://duckduckgo.com/",' ..
      '"screen":"1920x1080","language":"en-US","title":"t"}}'
    return wrk.format("POST", "/api/send", headers, body)
  else
    headers["Content-Type"] = "application/json"
    headers["X-API-Key"] = key
    local body = '{"url":"https://bench.example' .. page .. '","ip":"' .. ip ..
      '","user_agent":"' .. uas[(n % 3) + 1] .. '"}'
    return wrk.format("POST", "/api/v1/track/event", headers, body)
  end
end
