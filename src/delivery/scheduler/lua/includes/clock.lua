-- "now" in ms: ARGV[1] when a test drives the clock, else this Redis's own clock (the same for
-- every worker that reaches this partition).
local now = tonumber(ARGV[1])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
