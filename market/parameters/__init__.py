"""Parameters as data: the schema (unit, default, range, source of every field), the parameter tree by concern, the
named roster, scenarios and their overrides, and the checks that span fields."""
