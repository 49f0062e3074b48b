--[[
  RENEW: claims still in flight last longer. A worker renews the claims of the deliveries it is
  attempting, well before they expire; a worker that died renews nothing, and its claims expire
  and free their slots (the next TAKE counts them out).

  KEYS[1] claims    KEYS[2] claimRuns

  ARGV[1] now (ms; '' = Redis's clock)
  ARGV[2] how long each claim lasts from now (ms)
  ARGV[3…] pairs: a claim (`webhook|account|delivery`) and the run that holds it ('': any run)

  Returns how many were renewed. A claim that has ended or expired is not brought back, and a
  later run's claim of the same delivery is left to that run.
]]
local CLAIMS, CLAIM_RUNS = KEYS[1], KEYS[2]
--- @include "clock"
--- @include "runs"

local untilMs = now + tonumber(ARGV[2])
local renewed = 0
for i = 3, #ARGV, 2 do
  local member, run = ARGV[i], ARGV[i + 1]
  if heldBy(member, run) then
    renewed = renewed + redis.call('ZADD', CLAIMS, 'XX', 'GT', 'CH', untilMs, member)
  end
end
return renewed
