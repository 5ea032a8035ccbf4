-- A typical site rule set for the benchmark (tests/bench/run loads it with lua-rules/): what
-- an administrator adds in the first weeks — a per-sender counter in the store, header and
-- body checks, a size rule, a subject tag. Every message of the benchmark runs all of them.

-- Counts messages per sender for an hour (one store write per message).
function on_mail(ev)
  local n = kv.incr("bench:sender:" .. (ev.sender or ""), 1, 3600)
  if n and n > 1000000 then return tempfail("4.7.1 Too many messages from this sender") end
end

rule {
  name = "no executables by name",
  event = "data",
  match = "any",
  criteria = {
    { "header:Content-Type", "regex", "name=\"?[^\"]*%.[eE][xX][eE]" },
    { "header:Content-Disposition", "regex", "filename=\"?[^\"]*%.[eE][xX][eE]" },
  },
  actions = { { "reject", "5.7.1 Executable attachments are not accepted" } },
}

rule {
  name = "lottery words",
  event = "data",
  match = "any",
  criteria = {
    { "subject", "contains", "lottery" },
    { "body", "contains", "you have won" },
    { "body", "regex", "[Cc]laim your [Pp]rize" },
  },
  actions = { { "score", 4, "LOTTERY_WORDS" } },
}

rule {
  name = "large from outside",
  event = "data",
  criteria = {
    { "internal", "is", false },
    { "size", "greater than", 10 * 1024 * 1024 },
  },
  actions = { { "tag_subject", "[large]" } },
}

rule {
  name = "mail to the board",
  event = "data",
  criteria = {
    { "recipient", "in", { "board@bench.test", "ceo@bench.test" } },
  },
  actions = { { "set_header", "X-Priority-Review", "yes" } },
}

rule {
  name = "stamp",
  event = "data",
  actions = { { "add_header", "X-Bench-Rules", "checked" } },
}
