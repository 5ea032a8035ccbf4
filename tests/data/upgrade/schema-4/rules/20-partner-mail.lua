-- Mail from the partner's domain (setting rules.partner-domain) is marked for the mail team.
rule {
  name = "partner mail",
  event = "data",
  criteria = {
    { "internal", "is", false },
    { "sender", "contains", setting("rules.partner-domain") },
  },
  actions = {
    { "add_header", "X-Partner-Mail", "yes" },
    { "symbol", "PARTNER_MAIL", 0.5 },
  },
}
