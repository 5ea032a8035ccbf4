-- Counters in the store's key/value table (kv keys get the prefix "lua:"; no ttl: they never
-- expire): messages per sender domain, deliveries and bounces per recipient domain.
function on_mail(ev)
  if ev.null_sender then return end
  kv.incr("senders:" .. (addr.domain(ev.sender) or "?"), 1)
end

function on_delivered(ev)
  kv.incr("delivered:" .. (addr.domain(ev.rcpt) or "?"), 1)
end

function on_delivery_failed(ev)
  if ev.permanent then kv.incr("bounced:" .. (addr.domain(ev.rcpt) or "?"), 1) end
end
