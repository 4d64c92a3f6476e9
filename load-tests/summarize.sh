#!/usr/bin/env bash
# load-tests/summarize.sh REPORT_DIR...: one line per report, from its "measured" group (warm-up
# excluded): requests, requests/s, p50/p95/p99 in ms, failed requests.
for dir in "$@"; do
  f=$(ls "$dir"/group_measured*.html 2>/dev/null | head -1)
  [ -n "$f" ] || { echo "$dir: no measured group"; continue; }
  awk -v name="$(basename "$dir" | sed 's/-[0-9]*$//')" '
    /class="title"/ { t = $0; gsub(/<[^>]*>|^ +| +$/, "", t); title = t }
    /class="total"/ && title != "" && !(title in total) { v = $0; gsub(/<[^>]*>|^ +| +$/, "", v); total[title] = v }
    /class="ko"/ && title != "" && !(title in ko) { v = $0; gsub(/<[^>]*>|^ +| +$/, "", v); ko[title] = v }
    END { printf "%-28s %9s req  %8s req/s  p50 %s  p95 %s  p99 %s ms  failed %s\n", name, total["Total count"],
          total["Mean count/s"], total["50th percentile"], total["95th percentile"], total["99th percentile"], ko["Total count"] }
  ' "$f"
done
