-- Junk and phishing reports that users send to Microsoft's reporting addresses (Outlook's
-- "Report junk" / "Report phishing") go to the gateway's administrator instead, who can
-- tune the filters (the Hermes SEG recommendation). Only the reporting recipient is
-- redirected; the administrator's address is the setting admin-email.
rule {
  name = "junk reports to the admin",
  event = "rcpt",
  criteria = {
    { "recipient", "in", {
        "junk@office365.microsoft.com",
        "not_junk@office365.microsoft.com",
        "phish@office365.microsoft.com",
        "abuse@messaging.microsoft.com",
        "report@messaging.microsoft.com",
    } },
  },
  actions = {
    { "redirect", setting("admin-email") },
    { "symbol", "JUNK_REPORT_REDIRECTED" },
  },
}
