-- Messages whose subject carries the encryption keyword (setting encrypt-keyword, default
-- "[encrypt]") are marked for the encryption step: the header X-Portcullis-Encrypt: yes and
-- the symbol ENCRYPT_REQUESTED. The keyword itself stays in the subject.
local function keyword(ev)
  return ev:setting("encrypt-keyword") or "[encrypt]"
end

rule {
  name = "encryption requested",
  event = "data",
  criteria = {
    { "subject", "contains", keyword },
  },
  actions = {
    { "set_header", "X-Portcullis-Encrypt", "yes" },
    { "symbol", "ENCRYPT_REQUESTED" },
  },
}
