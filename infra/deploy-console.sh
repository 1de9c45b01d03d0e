#!/usr/bin/env bash
# `make deploy-console STACK=<name>`: builds the console for the distribution's root, writes its
# config.json (Cognito managed login) and a <meta> CSP naming the exact API origin from the
# stack's outputs, uploads it to the console bucket and invalidates CloudFront. Needs the AWS CLI
# with credentials for the stack's account (docs/deploy-notes.md, section 7).
set -euo pipefail
cd "$(dirname "$0")/.."
stack=${1:?usage: deploy-console.sh <stack name>}
region=${AWS_REGION:-ap-southeast-3}
command -v aws >/dev/null || { echo "error: the AWS CLI (aws) is needed" >&2; exit 1; }

output() {
  aws cloudformation describe-stacks --region "$region" --stack-name "$stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}
api=$(output ApiUrl); console_url=$(output ConsoleUrl); bucket=$(output ConsoleBucketName)
distribution=$(output ConsoleDistributionId); cognito=$(output CognitoDomain)
client=$(output UserPoolClientId); documents=$(output BucketName)
for v in api console_url bucket distribution cognito client documents; do
  if [ -z "${!v}" ] || [ "${!v}" = None ]; then
    echo "error: stack $stack has no output for $v (deploy template.yaml first)" >&2; exit 1
  fi
done

bash infra/console-build.sh   # installs the pinned dependencies
out=console/dist-deploy
(cd console && CONSOLE_BASE=/ npx vite build --outDir dist-deploy --emptyOutDir >/dev/null)
python3 - "$out" "$api" "$console_url" "$cognito" "$client" "https://$documents.s3.$region.amazonaws.com" <<'PY'
import json, sys
out, api, console_url, cognito, client, docs = sys.argv[1:]
with open(f"{out}/config.json", "w") as f:
    json.dump({"auth": "cognito", "apiBase": api, "cognitoDomain": cognito, "clientId": client,
               "redirectUri": console_url, "logoutUri": console_url}, f)
# The distribution's CSP names the region's execute-api domain (naming the API there would be a
# dependency cycle in the template); this one names the exact API, and browsers enforce both.
meta = (f'<meta http-equiv="Content-Security-Policy" content="connect-src \'self\' {api} '
        f'{cognito} {docs}">')
path = f"{out}/index.html"
html = open(path).read().replace("<head>", "<head>\n    " + meta, 1)
open(path, "w").write(html)
PY

# Hashed assets cache for a year; index.html and config.json are read fresh every time.
aws s3 sync "$out/assets" "s3://$bucket/assets" --region "$region" --delete \
  --cache-control "public,max-age=31536000,immutable"
aws s3 sync "$out" "s3://$bucket" --region "$region" --delete --exclude "assets/*" \
  --cache-control "no-cache"
aws cloudfront create-invalidation --distribution-id "$distribution" --paths "/*" \
  --query Invalidation.Id --output text
echo "console deployed: $console_url"
