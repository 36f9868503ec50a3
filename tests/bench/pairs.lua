-- pairs.lua - wrk script: GET /v1/compat over many distinct host pairs,
-- each thread rotating through its own share, as a fleet's clients ask.
--
--   PAIRS_HOSTS=100000 PAIRS=20000 PAIRS_THREADS=2 wrk -t2 -c64 -s pairs.lua http://HOST:PORT
--
-- Hosts are named host-000000 ... as bench-fleet imports them; pair i is
-- (i * 48271 mod hosts, (i * 16807 + 1) mod hosts): distinct sources, so
-- distinct pairs.
local hosts = tonumber(os.getenv("PAIRS_HOSTS") or "100000")
local npairs = tonumber(os.getenv("PAIRS") or "20000")
local stride = tonumber(os.getenv("PAIRS_THREADS") or "2")	-- wrk -t
local nthreads = 0
local paths = {}
local n, i = 0, 0

function setup(thread)
	thread:set("me", nthreads)
	nthreads = nthreads + 1
end

function init(args)
	local k = 0
	for p = me, npairs - 1, stride do
		k = k + 1
		paths[k] = string.format("/v1/compat?from=host-%06d&to=host-%06d&scenario=nested",
		    (p * 48271) % hosts, (p * 16807 + 1) % hosts)
	end
	n = k
end

function request()
	i = i % n + 1
	return wrk.format("GET", paths[i])
end
