"""Supervision: bad-review cases (好差評 closed loop), promised and joint cases, refusals, return
visits and the monthly appraisal (docs/supervision.md)."""
