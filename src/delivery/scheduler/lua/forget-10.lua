--[[
  FORGET: webhooks disabled or deleted lose their lines (their deliveries ended in Postgres).

  KEYS[1] ready    KEYS[2] queue    KEYS[3] index    KEYS[4] config
  KEYS[5] pace     KEYS[6] circuits KEYS[7] open    KEYS[8] calls
  KEYS[9] callQueue    KEYS[10] callHolders

  ARGV[1…] the webhooks

  Returns the number of deliveries dropped. Deliveries in flight keep their claims until they end.
]]
local READY, QUEUE, INDEX, CONFIG = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local PACE, CIRCUITS, OPEN, CALLS = KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local CALL_QUEUE, CALL_HOLDERS = KEYS[9], KEYS[10]
--- @include "lines"

-- The webhook's calls are forgotten: their holders, the deliveries waiting behind them.
local function forgetCalls(w)
  local from, to = '[' .. w .. '|', '(' .. w .. '}'
  local members = redis.call('ZRANGEBYLEX', CALL_QUEUE, from, to)
  for _, m in ipairs(redis.call('ZRANGEBYLEX', CALL_HOLDERS, from, to)) do
    members[#members + 1] = m
  end
  for _, m in ipairs(members) do redis.call('HDEL', CALLS, string.match(m, '([^|]*)$')) end
  redis.call('ZREMRANGEBYLEX', CALL_QUEUE, from, to)
  redis.call('ZREMRANGEBYLEX', CALL_HOLDERS, from, to)
end

local dropped = 0
for i = 1, #ARGV do
  local w = ARGV[i]
  local from, to = '[' .. w .. '|', '(' .. w .. '}'
  local line = redis.call('ZRANGEBYLEX', QUEUE, from, to)
  for _, m in ipairs(line) do redis.call('HDEL', INDEX, idOf(w, m)) end
  if #line > 0 then redis.call('ZREMRANGEBYLEX', QUEUE, from, to) end
  dropped = dropped + #line
  forgetCalls(w)
  redis.call('HDEL', CONFIG, w)
  redis.call('HDEL', PACE, w)
  redis.call('HDEL', CIRCUITS, w)
  redis.call('ZREM', READY, w)
  redis.call('ZREM', OPEN, w)
end
return dropped
