--[[
  FORGET: webhooks disabled or deleted lose their lines (their deliveries ended in Postgres).

  KEYS[1] ready    KEYS[2] queue    KEYS[3] index    KEYS[4] config
  KEYS[5] pace     KEYS[6] circuits KEYS[7] open

  ARGV[1…] the webhooks

  Returns the number of deliveries dropped. Deliveries in flight keep their claims until they end.
]]
local READY, QUEUE, INDEX, CONFIG = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local PACE, CIRCUITS, OPEN = KEYS[5], KEYS[6], KEYS[7]
--- @include "lines"

local dropped = 0
for i = 1, #ARGV do
  local w = ARGV[i]
  local from, to = '[' .. w .. '|', '(' .. w .. '}'
  local line = redis.call('ZRANGEBYLEX', QUEUE, from, to)
  for _, m in ipairs(line) do redis.call('HDEL', INDEX, idOf(w, m)) end
  if #line > 0 then redis.call('ZREMRANGEBYLEX', QUEUE, from, to) end
  dropped = dropped + #line
  redis.call('HDEL', CONFIG, w)
  redis.call('HDEL', PACE, w)
  redis.call('HDEL', CIRCUITS, w)
  redis.call('ZREM', READY, w)
  redis.call('ZREM', OPEN, w)
end
return dropped
