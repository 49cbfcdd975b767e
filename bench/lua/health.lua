-- The framework's ceiling on this machine: the cheapest route the app has.
request = function()
  return wrk.format("GET", "/health")
end
