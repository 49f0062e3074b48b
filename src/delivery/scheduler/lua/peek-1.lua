#!lua flags=no-writes
--[[
  PEEK: whether this partition has work, for a worker that has not looked in a while.

  KEYS[1] ready
  ARGV[1] now (ms; '' = Redis's clock)

  Returns { the earliest ready score or false, webhooks that may be served now }.
]]
local READY = KEYS[1]
--- @include "clock"

local first = redis.call('ZRANGE', READY, 0, 0, 'WITHSCORES')
return { first[2] or false, redis.call('ZCOUNT', READY, '-inf', now + 0.999) }
