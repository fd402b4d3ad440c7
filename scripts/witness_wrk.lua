-- wrk script for scripts/bench_witness_wrk.sh: thread i (one connection
-- each: run wrk with -t N -c N) sends log i's add-checkpoint bodies in
-- order (DIR/log<i>.bodies, each ended by 0x1e), so every request is a
-- valid new checkpoint with its consistency proof. Counts answers that are
-- not 200 (after the bodies run out, the last one is repeated: 409s).
local threads = {}
local counter = 1
local dir = os.getenv("WITNESS_BODIES")

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  local f = assert(io.open(dir .. "/log" .. id .. ".bodies", "rb"))
  local all = f:read("*a")
  f:close()
  bodies = {}
  for b in string.gmatch(all, "([^\30]*)\30") do
    table.insert(bodies, b)
  end
  next_body = 1
  not_ok = 0
  ok = 0
  wrk.method = "POST"
  wrk.path = "/add-checkpoint"
  wrk.headers["Content-Type"] = "text/plain; charset=utf-8"
end

function request()
  local b = bodies[math.min(next_body, #bodies)]
  next_body = next_body + 1
  return wrk.format(nil, nil, nil, b)
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else not_ok = not_ok + 1 end
end

function done(summary, latency, requests)
  local good, bad = 0, 0
  for _, t in ipairs(threads) do
    good = good + t:get("ok")
    bad = bad + t:get("not_ok")
  end
  io.write(string.format("cosigned (200): %d, other answers: %d, %.0f cosigned/s\n",
    good, bad, good / (summary.duration / 1e6)))
end
