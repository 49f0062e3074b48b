-- The run that holds a claim (CLAIM_RUNS: `w|a|id` → run). Needs the local CLAIM_RUNS.

-- Whether `run` holds the claim `member` ('': any run; a claim made before runs were named, or
-- none at all).
local function heldBy(member, run)
  if run == '' then return true end
  local holder = redis.call('HGET', CLAIM_RUNS, member)
  return not holder or holder == run
end
