#!/bin/sh
# Prints an ES256 JWT whose claim `allowed-tools` is the JSON string ALLOWED (a map of
# "namespace/registration" to tool names), signed with the e2e suite's private key, whose public
# half the e2e world's broker trusts (TRUSTED_HEADER_PUBLIC_KEY).
#   jwt.sh ALLOWED [KEY]   KEY: another PEM private key (default: e2e-jwt-key.pem beside this file)
set -e
allowed=${1:?usage: jwt.sh ALLOWED [KEY]}
key=${2:-$(dirname "$0")/e2e-jwt-key.pem}

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

header=$(printf '%s' '{"alg":"ES256","typ":"JWT"}' | b64url)
payload=$(jq -cn --arg a "$allowed" '{"allowed-tools": $a}' | tr -d '\n' | b64url)
# openssl signs in DER (SEQUENCE of r and s); a JWT carries r and s as 32 bytes each.
raw=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$key" -binary |
  openssl asn1parse -inform DER | sed -n 's/.*INTEGER *://p' |
  while read -r n; do printf '%064s' "$n" | tr ' ' 0 | sed 's/^.*\(.\{64\}\)$/\1/'; done)
signature=$(printf '%s' "$raw" | perl -ne 'print pack("H*", $_)' | b64url)
printf '%s.%s.%s\n' "$header" "$payload" "$signature"
