#!lua flags=no-writes
--[[
  PEEK: whether this partition has work, for a worker that has not looked in a while.

  KEYS[1] ready     KEYS[2] claims
  ARGV[1] now (ms; '' = Redis's clock)

  Returns { when the partition next needs a visit (its earliest ready score or its first claim's
            expiry, which puts a delivery back in line) or false, webhooks that may be served now }.
]]
local READY, CLAIMS = KEYS[1], KEYS[2]
--- @include "clock"
--- @include "visit"

return { nextVisit(), redis.call('ZCOUNT', READY, '-inf', now + 0.999) }
