#!/bin/sh
# An example probe that fails, printing one JSON object instead of Nagios text:
# status, category (the issue_category of its wakes), summary, observations.
cat <<'JSON'
{"status": "critical", "category": "queue_stalled", "summary": "example queue: 3 jobs waiting longer than 1h", "observations": {"stalled_jobs": 3, "oldest_job_age_s": 4210}}
JSON
