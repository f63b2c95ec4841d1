#!/bin/bash
# Usage: test/deploy/simulate-image-install.sh <name> <workspace> <entry>, e.g.
#   test/deploy/simulate-image-install.sh api-gateway services/api-gateway services/api-gateway/src/main.ts
# Expect "<service>: DATABASE_URL is required": every import resolved from production dependencies.
# Mimics deploy/Dockerfile's deps + runtime stages for one service without Docker.
set -e
svc=$1; ws=$2; main=$3
src=$(cd "$(dirname "$0")/../.." && pwd); dir=${TMPDIR:-/tmp}/image-sim/$svc
rm -rf $dir; mkdir -p $dir/build $dir/app
cd $src
for f in package.json package-lock.json shared/package.json services/sync-worker/package.json services/webhook-dispatcher/package.json services/api-gateway/package.json tools/local-stack/package.json tools/connector-sim/package.json; do mkdir -p $dir/build/$(dirname $f); cp $f $dir/build/$f; done
cd $dir/build && npm ci --omit=dev --ignore-scripts --workspace $ws >npm.log 2>&1 && mkdir -p shared/node_modules $ws/node_modules
cd $dir/app
cp -a $dir/build/node_modules node_modules; mkdir -p shared $ws; cp -a $dir/build/shared/node_modules shared/; cp -a $dir/build/$ws/node_modules $ws/ 
cp $src/package.json .; cp $src/shared/package.json shared/; cp -r $src/shared/src shared/src; cp -r $src/migrations migrations
if [ $ws != shared ]; then cp $src/$ws/package.json $ws/; cp -r $src/$ws/src $ws/src; fi
find . -name '*.test.ts' -not -path './node_modules/*' -delete
du -sh node_modules
env -i PATH=$PATH node $main 2>&1 | head -3 || true
