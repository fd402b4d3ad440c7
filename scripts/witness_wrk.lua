-- wrk script for scripts/bench_witness_wrk.sh: thread i (one connection
-- each: run wrk with -t N -c N) sends log i's add-checkpoint bodies in
-- order (DIR/log<i>.bodies, each ended by 0x1e; body k grows the log from
-- size k-1 to k), so every request is a valid new checkpoint with its
-- consistency proof.
--
-- wrk may build a request it never sends (it does so around connecting),
-- which skips a body: the witness then answers 409 with the size it has,
-- as the protocol says, and the thread resumes from that size, as a real
-- log would. Those 409s are counted apart ("resynced"); any other non-200
-- answer is an error. A thread that runs out of bodies stops, and the
-- summary says so: its rate would otherwise be counted over idle time.
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
  ok = 0
  resynced = 0
  not_ok = 0
  ran_out = 0
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
  if status == 200 then
    ok = ok + 1
  elseif status == 409 and tonumber(body) then
    resynced = resynced + 1
    next_body = tonumber(body) + 1
  else
    not_ok = not_ok + 1
  end
  if next_body > #bodies then
    ran_out = 1
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local good, resync, bad, out = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    good = good + t:get("ok")
    resync = resync + t:get("resynced")
    bad = bad + t:get("not_ok")
    out = out + t:get("ran_out")
  end
  io.write(string.format("cosigned (200): %d, resynced (409 with the witness's size): %d, other answers: %d, %.0f cosigned/s\n",
    good, resync, bad, good / (summary.duration / 1e6)))
  if out > 0 then
    io.write(string.format("WARNING: %d thread(s) ran out of bodies: the rate is a lower bound; give more bodies\n", out))
  end
end
