-- wrk script: send N requests per write (HTTP pipelining), as the
-- TechEmpower plaintext test does with N = 16.
--   wrk -t2 -c256 -d10s -s scripts/pipeline.lua http://127.0.0.1:8080/plaintext -- 16
init = function(args)
  local depth = tonumber(args[1]) or 16
  local reqs = {}
  for i = 1, depth do
    reqs[i] = wrk.format()
  end
  batch = table.concat(reqs)
end

request = function()
  return batch
end
