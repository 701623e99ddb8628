"""Built-in fuzzing of the secure side: ``teesim fuzz ta`` and ``teesim fuzz smc`` (docs/fuzzing.md)."""

from teesim.fuzz.campaign import Campaign, Outcome, Summary
