--[[
  PUSH: puts deliveries in their webhooks' lines.

  KEYS[1] ready    KEYS[2] queue    KEYS[3] index    KEYS[4] claims    KEYS[5] config
  KEYS[6] calls    KEYS[7] callQueue    KEYS[8] callHolders

  ARGV[1] now (ms; '' = Redis's clock)
  ARGV[2] json {"w": {webhook: [account, cap|null, rate|null]},
                "d": [[webhook, delivery, due, call|null, seq|null], …]}
  ARGV[3] '1': only what is neither waiting nor in flight under a live claim (the reconciler)
  ARGV[4] the channel that announces new work
  ARGV[5] this partition's number (the announcement)

  Returns the number of deliveries added. A delivery already waiting keeps its place.

  A delivery ordered by call (call and seq given) goes in line only if it holds its call (lua/
  includes/calls.lua); else it waits behind the holder. One earlier than a holder that has not
  gone out yet takes the call from it. The reconciler re-pushes deliveries that wait: if their
  call's holder is neither in line nor in flight, it was lost after it ended, and the call moves on.
]]
local READY, QUEUE, INDEX, CLAIMS, CONFIG = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local CALLS, CALL_QUEUE, CALL_HOLDERS = KEYS[6], KEYS[7], KEYS[8]
--- @include "clock"
--- @include "lines"
--- @include "calls"

local input = cjson.decode(ARGV[2])
local onlyIfAbsent = ARGV[3] == '1'
local function field(v)
  if v == cjson.null or v == nil then return '' end
  return tostring(v)
end
for w, c in pairs(input.w) do
  redis.call('HSET', CONFIG, w, field(c[1]) .. '|' .. field(c[2]) .. '|' .. field(c[3]))
end

local function liveClaim(w, a, id)
  local expiry = redis.call('ZSCORE', CLAIMS, w .. '|' .. a .. '|' .. id)
  return expiry and tonumber(expiry) > now
end

-- An ordered delivery: whether it goes in line now (it holds its call).
local function takesTurn(w, a, id, c, seq)
  local _, hseq, hid = holderOf(w, c)
  local member = callMemberOf(w, c, seq, id)
  if redis.call('HEXISTS', CALLS, id) == 1 then
    if hid == id then return true end
    if redis.call('ZSCORE', CALL_QUEUE, member) then
      if onlyIfAbsent and (not hid or (not inLine(hid) and not liveClaim(w, a, hid))) then
        if hid then redis.call('HDEL', CALLS, hid) end
        if passOn(w, c, now) then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
      end
      return false
    end
  end
  redis.call('HSET', CALLS, id, c .. '|' .. seq)
  if not hid then
    redis.call('ZADD', CALL_HOLDERS, 0, member)
    return true
  end
  redis.call('ZADD', CALL_QUEUE, 0, member)
  if seq < hseq then yieldToEarlier(w, c, now) end
  return false
end

local added = 0
for _, d in ipairs(input.d) do
  local w, id, due, c, seq = d[1], d[2], tonumber(d[3]), d[4], d[5]
  local a = field(input.w[w] and input.w[w][1])
  local goes = true
  if c ~= cjson.null and c ~= nil then goes = takesTurn(w, a, id, c, seq) end
  if goes and not (onlyIfAbsent and liveClaim(w, a, id)) and enqueue(w, id, due) == 1 then
    added = added + 1
    redis.call('ZADD', READY, 'LT', due, w)
  end
end
if added > 0 then redis.call('PUBLISH', ARGV[4], ARGV[5]) end
return added
