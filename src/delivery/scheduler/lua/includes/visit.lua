-- When a partition next needs a visit: its earliest ready score or its first claim's expiry
-- (which puts a delivery back in line: take-14.lua), whichever is sooner; false when it has
-- neither. Needs the locals READY and CLAIMS.
local function nextVisit()
  local ready = redis.call('ZRANGE', READY, 0, 0, 'WITHSCORES')[2]
  local claim = redis.call('ZRANGE', CLAIMS, 0, 0, 'WITHSCORES')[2]
  if ready and claim then return tostring(math.min(tonumber(ready), tonumber(claim))) end
  return ready or claim or false
end
