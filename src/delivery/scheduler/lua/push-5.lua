--[[
  PUSH: puts deliveries in their webhooks' lines.

  KEYS[1] ready    KEYS[2] queue    KEYS[3] index    KEYS[4] claims    KEYS[5] config

  ARGV[1] now (ms; '' = Redis's clock)
  ARGV[2] json {"w": {webhook: [account, cap|null, rate|null]}, "d": [[webhook, delivery, due], …]}
  ARGV[3] '1': only what is neither waiting nor in flight under a live claim (the reconciler)
  ARGV[4] the channel that announces new work
  ARGV[5] this partition's number (the announcement)

  Returns the number of deliveries added. A delivery already waiting keeps its place.
]]
local READY, QUEUE, INDEX, CLAIMS, CONFIG = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
--- @include "clock"
--- @include "lines"

local input = cjson.decode(ARGV[2])
local onlyIfAbsent = ARGV[3] == '1'
local function field(v)
  if v == cjson.null or v == nil then return '' end
  return tostring(v)
end
for w, c in pairs(input.w) do
  redis.call('HSET', CONFIG, w, field(c[1]) .. '|' .. field(c[2]) .. '|' .. field(c[3]))
end
local added = 0
for _, d in ipairs(input.d) do
  local w, id, due = d[1], d[2], tonumber(d[3])
  local live = false
  if onlyIfAbsent then
    local a = field(input.w[w] and input.w[w][1])
    local expiry = redis.call('ZSCORE', CLAIMS, w .. '|' .. a .. '|' .. id)
    live = expiry and tonumber(expiry) > now
  end
  if not live and enqueue(w, id, due) == 1 then
    added = added + 1
    redis.call('ZADD', READY, 'LT', due, w)
  end
end
if added > 0 then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
return added
