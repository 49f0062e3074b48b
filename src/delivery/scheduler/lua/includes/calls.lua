-- Ordered per call. Each call of a webhook (`w|c`, c a fixed-length digest of the call id) has at
-- most one holder: the delivery that is in line, in flight, or waiting for a retry. The call's
-- later deliveries wait in CALL_QUEUE (`w|c|seq|id`, scored 0, so in publish order: seq is 20
-- digits) until the holder ends; then the earliest takes the call. CALL_HOLDERS holds each
-- holder's `w|c|seq|id`; CALLS maps every ordered delivery Redis knows → `c|seq`.
-- Needs the locals CALLS, CALL_QUEUE, CALL_HOLDERS, QUEUE, INDEX, READY and lines.lua.

local function callMemberOf(w, c, seq, id)
  return w .. '|' .. c .. '|' .. seq .. '|' .. id
end

-- The range of w|c's members in a call zset.
local function callRange(w, c)
  return '[' .. w .. '|' .. c .. '|', '(' .. w .. '|' .. c .. '}'
end

-- A call member's parts: member, seq, id (nil when no member).
local function callParts(m, w, c)
  if not m then return nil end
  local seq, id = string.match(string.sub(m, #w + #c + 3), '^([^|]*)|(.*)$')
  return m, seq, id
end

-- w|c's holder: member, seq, id; nil when the call has none.
local function holderOf(w, c)
  local from, to = callRange(w, c)
  return callParts(redis.call('ZRANGEBYLEX', CALL_HOLDERS, from, to, 'LIMIT', 0, 1)[1], w, c)
end

-- The earliest delivery waiting behind w|c's holder: member, seq, id; nil when none waits.
local function nextOfCall(w, c)
  local from, to = callRange(w, c)
  return callParts(redis.call('ZRANGEBYLEX', CALL_QUEUE, from, to, 'LIMIT', 0, 1)[1], w, c)
end

local function inLine(id)
  return redis.call('HEXISTS', INDEX, id) == 1
end

-- Takes id out of w's line (it stays known: it goes to wait in CALL_QUEUE).
local function outOfLine(id)
  local m = redis.call('HGET', INDEX, id)
  if m then
    redis.call('ZREM', QUEUE, m)
    redis.call('HDEL', INDEX, id)
  end
end

-- id (of call w|c) becomes the holder, in line due then.
local function hold(w, c, seq, id, due)
  redis.call('ZADD', CALL_HOLDERS, 0, callMemberOf(w, c, seq, id))
  if enqueue(w, id, due) == 1 then redis.call('ZADD', READY, 'LT', due, w) end
end

-- w|c's holder is over (ended, or lost after it ended): the earliest waiting delivery takes the
-- call, due now. → the new holder's id, or nil when none waits (the call is forgotten).
local function passOn(w, c, now)
  local from, to = callRange(w, c)
  redis.call('ZREMRANGEBYLEX', CALL_HOLDERS, from, to)
  local m, seq, id = nextOfCall(w, c)
  if not m then return nil end
  redis.call('ZREM', CALL_QUEUE, m)
  hold(w, c, seq, id, now)
  return id
end

-- A holder that has not gone out yet (it is in line) yields to an earlier delivery of its call
-- that arrived late (a re-push of one Redis lost): the earlier one takes the call, due now.
local function yieldToEarlier(w, c, now)
  local hm, hseq, hid = holderOf(w, c)
  local m, seq, id = nextOfCall(w, c)
  if not hm or not m or seq >= hseq or not inLine(hid) then return end
  outOfLine(hid)
  redis.call('ZREM', CALL_HOLDERS, hm)
  redis.call('ZADD', CALL_QUEUE, 0, callMemberOf(w, c, hseq, hid))
  redis.call('ZREM', CALL_QUEUE, m)
  hold(w, c, seq, id, now)
end

-- Delivery id of w has ended: if it held its call and had gone out, the next one goes. One that
-- waits behind its call, or holds it but is in line, has not gone out since it was last pushed
-- (reopened by a replay, or put back by its expired claim): the report is of an earlier round,
-- and the run that takes it in its turn passes the call on (finding it ended, if it is).
local function endOrdered(w, id, now)
  local known = redis.call('HGET', CALLS, id)
  if not known then return end
  local c, seq = string.match(known, '^([^|]*)|(.*)$')
  local _, _, hid = holderOf(w, c)
  if hid == id then
    if inLine(id) then return end
    redis.call('HDEL', CALLS, id)
    passOn(w, c, now)
  elseif not redis.call('ZSCORE', CALL_QUEUE, callMemberOf(w, c, seq, id)) then
    redis.call('HDEL', CALLS, id)
  end
end

-- The call of an ordered delivery id of w, or nil.
local function callOfDelivery(id)
  local known = redis.call('HGET', CALLS, id)
  if not known then return nil end
  return string.match(known, '^([^|]*)|')
end
