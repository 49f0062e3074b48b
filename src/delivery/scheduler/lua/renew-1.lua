--[[
  RENEW: claims still in flight last longer. A worker renews the claims of the deliveries it is
  attempting, well before they expire; a worker that died renews nothing, and its claims expire
  and free their slots (the next TAKE counts them out).

  KEYS[1] claims

  ARGV[1] now (ms; '' = Redis's clock)
  ARGV[2] how long each claim lasts from now (ms)
  ARGV[3…] the claims, `webhook|account|delivery`

  Returns how many were renewed. A claim that has ended or expired is not brought back.
]]
local CLAIMS = KEYS[1]
--- @include "clock"

local untilMs = now + tonumber(ARGV[2])
local renewed = 0
for i = 3, #ARGV do
  renewed = renewed + redis.call('ZADD', CLAIMS, 'XX', 'GT', 'CH', untilMs, ARGV[i])
end
return renewed
