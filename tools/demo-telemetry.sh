#!/usr/bin/env bash
# Sends a few days of made-up Claude Code telemetry for three developers to the local stack
# (`make run` first), so the dashboard has something to show:
#   tools/demo-telemetry.sh [ENDPOINT]
# Each run adds more usage (points are deltas stamped "now").
set -euo pipefail
endpoint=${1:-http://127.0.0.1:8787}
cd "$(dirname "$0")/.."
now=$(date +%s%N)
start=$((now - 60000000000))

point() { # value, then key=value attributes
  local value=$1; shift
  local attrs="" sep=""
  for kv in "$@"; do
    attrs+="$sep{\"key\":\"${kv%%=*}\",\"value\":{\"stringValue\":\"${kv#*=}\"}}"; sep=","
  done
  printf '{"startTimeUnixNano":"%s","timeUnixNano":"%s","asInt":"%s","attributes":[%s]}' \
    "$start" "$now" "$value" "$attrs"
}

sum() { # name, points...
  local name=$1; shift
  local IFS=,
  printf '{"name":"%s","sum":{"aggregationTemporality":1,"isMonotonic":true,"dataPoints":[%s]}}' "$name" "$*"
}

# email, input tokens, lines added, groups (what the quota-status widget resolves policies by)
for who in "alice@example.com 180000 900 engineering" "bob@example.com 60000 240 engineering" \
           "carol@example.com 25000 80 -"; do
  read -r email tokens lines groups <<<"$who"
  if [ "$groups" = - ]; then
    token=$(target/debug/ccwb-local token --email "$email")
  else
    token=$(target/debug/ccwb-local token --email "$email" --groups "$groups")
  fi
  body=$(printf '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[%s,%s,%s,%s,%s]}]}]}' \
    "$(sum claude_code.token.usage \
        "$(point "$tokens" type=input model=claude-sonnet-4-5)" \
        "$(point $((tokens / 4)) type=output model=claude-sonnet-4-5)" \
        "$(point $((tokens * 3)) type=cacheRead model=claude-sonnet-4-5)" \
        "$(point $((tokens / 10)) type=output model=claude-opus-4-1)")" \
    "$(sum claude_code.lines_of_code.count "$(point "$lines" type=added)" "$(point $((lines / 3)) type=removed)")" \
    "$(sum claude_code.commit.count "$(point 3)")" \
    "$(sum claude_code.pull_request.count "$(point 1)")" \
    "$(sum claude_code.code_edit_tool.decision \
        "$(point 12 decision=accept language=Rust)" "$(point 2 decision=reject language=Rust)" \
        "$(point 7 decision=accept language=TypeScript)" "$(point 3 decision=reject language=TypeScript)")")
  curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    --data "$body" "$endpoint/v1/metrics" > /dev/null
  echo "sent usage for $email"
done
admin=$(target/debug/ccwb-local token --email admin@example.com --groups ccwb-admins)
echo
echo "Open the dashboard: $endpoint/dashboard?token=$admin"
echo "quota-status lists users near a limit once a policy applies, e.g. (alice is then at 87%):"
echo "  CCWB_TOKEN=$admin target/debug/ccwb --endpoint $endpoint \\"
echo "    quota set-group engineering --monthly-limit 900K --enforcement block"
