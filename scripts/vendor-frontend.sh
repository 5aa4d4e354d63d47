#!/usr/bin/env bash
# Refresh the vendored front-end files from the npm registry (run by a maintainer, never at
# deploy time: a deployed tongban loads nothing from the internet). Uses `npm pack` by package
# name, so no lock file recording download addresses is written.
set -euo pipefail
HTMX=2.0.11
ECHARTS=6.1.0
SWAGGER=5.35.0
cd "$(dirname "$0")/.."
vendor=src/tongban/web/static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "htmx.org@$HTMX" "echarts@$ECHARTS" "swagger-ui-dist@$SWAGGER" >/dev/null)
for tgz in "$work"/*.tgz; do mkdir -p "${tgz%.tgz}" && tar xzf "$tgz" -C "${tgz%.tgz}"; done
cp "$work/htmx.org-$HTMX/package/dist/htmx.min.js" "$vendor/htmx-$HTMX.min.js"
cp "$work/htmx.org-$HTMX/package/LICENSE" "$vendor/htmx.LICENSE"
cp "$work/echarts-$ECHARTS/package/dist/echarts.min.js" "$vendor/echarts-$ECHARTS.min.js"
cp "$work/echarts-$ECHARTS/package/LICENSE" "$vendor/echarts.LICENSE"
mkdir -p "$vendor/swagger-ui-$SWAGGER"
for f in swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE; do
  cp "$work/swagger-ui-dist-$SWAGGER/package/$f" "$vendor/swagger-ui-$SWAGGER/$f"
done
# Source maps are not shipped; drop the comments that point to them.
sed -i '/sourceMappingURL/d' "$vendor/swagger-ui-$SWAGGER/swagger-ui-bundle.js" \
  "$vendor/swagger-ui-$SWAGGER/swagger-ui.css"
echo "vendored htmx $HTMX, echarts $ECHARTS, swagger-ui $SWAGGER into $vendor"
