-- Mail from outside whose From display name claims an internal identity ("CEO Jane Doe
-- <jane@ourcompany.example>" <attacker@elsewhere.example>, or a name listed in the setting
-- internal-display-names) gets its subject tagged, so readers see it is not from a colleague.
rule {
  name = "external sender impersonates an internal name",
  event = "data",
  criteria = {
    { "internal", "is", false },
    { "impersonates_internal", "is", true },
  },
  actions = {
    { "tag_subject", "[EXTERNAL]" },
    { "score", 3, "DISPLAY_NAME_IMPERSONATION" },
  },
}
