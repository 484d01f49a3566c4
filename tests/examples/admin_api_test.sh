#!/usr/bin/env bash
# The Admin API example driven by a real HTTP client: starts examples/admin_api against the test
# server (libpq's environment, as scripts/pg-tmp sets it), then checks status codes and bodies
# with curl: create, read by id and by name, a unique violation (409), a missing entity (404), a
# schema violation (400), PATCH, PUT, routes of a service, a page walk, DELETE with cascade.
#
#   tests/examples/admin_api_test.sh <path to admin_api>
set -euo pipefail
bin=$1
dir=$(mktemp -d)
"$bin" --port-file "$dir/port" >"$dir/log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 1 300); do
  [[ -s $dir/port ]] && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/log" >&2; echo "admin_api exited" >&2; exit 1; }
  sleep 0.1
done
[[ -s $dir/port ]] || { echo "admin_api did not start" >&2; exit 1; }
base="http://127.0.0.1:$(cat "$dir/port")"
failures=0

# call METHOD PATH [BODY] -> sets $status and $body
call() {
  local args=(-s -o "$dir/body" -w '%{http_code}' -X "$1" "$base$2")
  [[ $# -ge 3 ]] && args+=(-H 'Content-Type: application/json' --data "$3")
  status=$(curl "${args[@]}")
  body=$(cat "$dir/body")
}
expect() { # what status [substring...]
  local what=$1 want=$2
  shift 2
  if [[ $status != "$want" ]]; then
    echo "FAIL $what: status $status, expected $want; body: $body" >&2
    failures=$((failures + 1))
    return
  fi
  for sub in "$@"; do
    if [[ $body != *"$sub"* ]]; then
      echo "FAIL $what: body lacks $sub: $body" >&2
      failures=$((failures + 1))
      return
    fi
  done
  echo "ok   $what ($status)"
}
field() { # json-field-name -> its string value in $body (first occurrence)
  sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$body" | head -n1
}

call POST /services '{"name":"billing","host":"billing.internal","port":8080,"tags":["a","b"]}'
expect "create a service" 201 '"name":"billing"' '"port":8080' '"tags":["a","b"]'
id=$(field id)
[[ -n $id ]] || { echo "FAIL no id in $body" >&2; exit 1; }

call GET "/services/$id"
expect "read it by id" 200 "\"id\":\"$id\"" '"host":"billing.internal"'
call GET /services/billing
expect "read it by name" 200 "\"id\":\"$id\""

call POST /services '{"name":"billing","host":"other"}'
expect "unique violation" 409 '"code":5' '"name":"unique constraint violation"' 'UNIQUE violation detected on'

call GET /services/00000000-0000-4000-8000-000000000000
expect "missing entity" 404 '"message":"Not found"'
call GET /services/nosuchname
expect "missing entity by name" 404 '"message":"Not found"'

call POST /services '{"name":"bad","host":"h","port":70000}'
expect "schema violation (port out of range)" 400 '"code":2' '"name":"schema violation"' '"port"'
call POST /services '{"name":"bad2","host":"h","protocol":"ftp"}'
expect "schema violation (protocol)" 400 '"code":2' '"protocol"'
call POST /services '{"name":"bad3","host":"h","port":"eighty"}'
expect "schema violation (port type)" 400 'expected an integer'
call POST /services 'not json'
expect "a body that is not JSON" 400 'JSON object'
call GET "/services?size=0"
expect "invalid size" 400 '"code":9'
call GET "/services?offset=garbage"
expect "invalid offset" 400 '"code":7'

call PATCH "/services/$id" '{"port":9090}'
expect "PATCH one field" 200 '"port":9090' '"host":"billing.internal"' '"name":"billing"'
call PUT "/services/$id" '{"name":"billing","host":"replaced","port":1}'
expect "PUT replaces" 200 '"host":"replaced"' '"port":1' '"tags":[]'

call POST "/services/$id/routes" '{"name":"r1","paths":["/one"]}'
expect "create a route" 201 "\"service\":{\"id\":\"$id\"}" '"paths":["/one"]'
call POST "/services/$id/routes" '{"name":"r1","paths":["/again"]}'
expect "route name taken" 409 '"code":5'
call POST "/services/00000000-0000-4000-8000-000000000000/routes" '{"name":"orphan"}'
expect "route of a missing service" 400 '"code":4' '"name":"foreign key violation"'
call GET "/services/$id/routes"
expect "routes of a service" 200 '"name":"r1"' '"next":null'

# A page walk over 25 services, 10 at a time: 26 services in all (billing is one).
for i in $(seq 1 25); do
  call POST /services "{\"name\":\"s$i\",\"host\":\"h$i\"}"
  [[ $status == 201 ]] || { echo "FAIL create s$i: $status $body" >&2; failures=$((failures + 1)); }
done
seen=0 pages=0 path="/services?size=10"
while :; do
  call GET "$path"
  [[ $status == 200 ]] || { echo "FAIL page: $status $body" >&2; failures=$((failures + 1)); break; }
  n=$(grep -o '"created_at"' <<<"$body" | wc -l)
  seen=$((seen + n))
  pages=$((pages + 1))
  offset=$(field offset)
  [[ -n $offset ]] || break
  path="/services?size=10&offset=$offset"
  [[ $pages -lt 10 ]] || break
done
if [[ $seen == 26 && $pages == 3 ]]; then echo "ok   page walk (26 services in 3 pages)"; else
  echo "FAIL page walk: $seen services in $pages pages" >&2
  failures=$((failures + 1))
fi

call DELETE "/services/$id"
expect "delete" 204
call GET "/services/$id"
expect "deleted" 404
call GET "/services/$id/routes"
expect "its routes went with it" 404
call DELETE "/services/$id"
expect "delete again (idempotent)" 204

if ((failures > 0)); then
  echo "admin_api_test: $failures failure(s); server log:" >&2
  cat "$dir/log" >&2
  exit 1
fi
echo "admin_api_test: all checks passed"
