#!/usr/bin/env bash
# A pre-receive hook as an administrator would write it: git cat-file and PyYAML checking the core Space rules.
set -euo pipefail

branch=$(git config spacehook.deployBranch || echo main)
status=0
while read -r _old new ref; do
	[ "$ref" = "refs/heads/$branch" ] || continue
	[ "$new" != 0000000000000000000000000000000000000000 ] || { echo "refusing to delete $branch" >&2; exit 1; }
	has_dockerfile=0
	if git cat-file -e "$new:Dockerfile" 2>/dev/null; then has_dockerfile=1; fi
	git cat-file -p "$new:README.md" | HAS_DOCKERFILE=$has_dockerfile python3 -c '
import os, sys, yaml
text = sys.stdin.read()
lines = text.splitlines()
if not lines or lines[0].strip() != "---":
    sys.exit("README.md: error: no YAML block")
end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
if end is None:
    sys.exit("README.md: error: YAML block never ends")
try:
    meta = yaml.safe_load("\n".join(lines[1:end])) or {}
except yaml.YAMLError as e:
    sys.exit("README.md: error: %s" % e)
if not isinstance(meta, dict):
    sys.exit("README.md: error: not a mapping")
errors = []
colors = ["red", "yellow", "green", "blue", "indigo", "purple", "pink", "gray"]
if meta.get("sdk") not in ("docker", "gradio", "static", "streamlit"):
    errors.append("sdk must be one of docker, gradio, static, streamlit")
for key in ("colorFrom", "colorTo"):
    if key in meta and meta[key] not in colors:
        errors.append("%s must be one of %s" % (key, colors))
port = meta.get("app_port", 7860)
if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
    errors.append("app_port must be an integer from 1 to 65535")
if meta.get("sdk") == "docker" and os.environ["HAS_DOCKERFILE"] != "1":
    errors.append("sdk docker needs a Dockerfile")
if errors:
    print("Sorry, your push was rejected during YAML metadata verification:", file=sys.stderr)
    for e in errors:
        print("README.md: error: " + e, file=sys.stderr)
    sys.exit(1)
print("README.md ok (sdk: %s, app_port: %d)" % (meta["sdk"], port), file=sys.stderr)
' || status=1
done
exit $status
