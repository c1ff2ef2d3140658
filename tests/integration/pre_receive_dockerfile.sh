#!/usr/bin/env bash
# pre-receive and spacehook validate on Dockerfiles: another Space's image or a
# privileged build is refused with its position, the Space's own image and
# public images pass.
source "$SP_SOURCE/tests/lib/testlib.sh"
source "$SP_SOURCE/tests/lib/pushlib.sh"

cd "$SANDBOX"

# The Space mallory/app: its own images are spacehook/mallory--app.
git config --global spacehook.reposRoot "$SANDBOX/repos"
git config --global spacehook.stateDir "$SANDBOX/state"
mkdir -p repos/mallory
make_checked_bare repos/mallory/app.git
write_space work
git -C work init -q
commit_all work "first"
push work ../repos/mallory/app.git main
expect_eq "valid push exits 0" 0 "$rc"
good=$(ref_of work HEAD)

refused_head="remote: Sorry, your push was rejected during YAML metadata verification:"

# Another Space's image in FROM.
printf 'FROM spacehook/alice--demo:abc\n' >work/Dockerfile
commit_all work "alice's image"
push work ../repos/mallory/app.git main
expect_eq "FROM another Space exits 1" 1 "$rc"
expect_eq "FROM another Space: the exact refusal" \
"$refused_head
remote: Dockerfile:1:6: error: \"FROM spacehook/alice--demo:abc\" names another Space's image; a Space builds only from public images and its own stages" "$out"
expect_contains "git names the hook" \
	"! [remote rejected] main -> main (pre-receive hook declined)" "$raw"
expect_eq "FROM another Space leaves main" "$good" "$(ref_of repos/mallory/app.git main)"

# The same image through an ARG, COPY --from and a RUN mount, on later lines.
cat >work/Dockerfile <<'EOF2'
ARG BASE=spacehook/alice--demo:abc
FROM spacehook-base:busybox AS build
FROM spacehook-base:busybox
COPY --from=build /bin/sh /sh
COPY --from=${BASE} /app /app
RUN --mount=type=bind,from=docker.io/spacehook/alice--demo:abc,target=/m \
    cp -r /m /copy
EOF2
commit_all work "alice's layers"
push work ../repos/mallory/app.git main
expect_eq "copies from another Space exit 1" 1 "$rc"
expect_eq "copies from another Space: both places" \
"$refused_head
remote: Dockerfile:5:6: error: \"COPY --from=\${BASE}\" (\"spacehook/alice--demo:abc\") names another Space's image; a Space builds only from public images and its own stages
remote: Dockerfile:6:5: error: \"RUN --mount=from=docker.io/spacehook/alice--demo:abc\" names another Space's image; a Space builds only from public images and its own stages" "$out"
expect_eq "copies from another Space leave main" "$good" "$(ref_of repos/mallory/app.git main)"

# A privileged build, the flag on a continuation line.
printf 'FROM spacehook-base:busybox\nRUN \\\n    --network=host wget http://127.0.0.1/\n' >work/Dockerfile
commit_all work "host network"
push work ../repos/mallory/app.git main
expect_eq "host network exits 1" 1 "$rc"
expect_eq "host network: the exact refusal" \
"$refused_head
remote: Dockerfile:3:5: error: \"RUN --network=host\" is not allowed: a Space's build gets no host network; use --network=default or --network=none" "$out"
expect_eq "host network leaves main" "$good" "$(ref_of repos/mallory/app.git main)"

# A frontend of one's own.
printf '# syntax=mallory/frontend\nFROM spacehook-base:busybox\n' >work/Dockerfile
commit_all work "frontend"
push work ../repos/mallory/app.git main
expect_eq "custom frontend refused" \
"$refused_head
remote: Dockerfile:1:10: error: \"# syntax=mallory/frontend\" is not allowed: a Space builds with the official Dockerfile frontend only (docker/dockerfile, any version)" "$out"

# README problems come first, then the Dockerfile's.
sed -i 's/colorTo: green/colorTo: orange/' work/README.md
printf 'FROM 1a2b3c4d5e6f\n' >work/Dockerfile
commit_all work "both"
push work ../repos/mallory/app.git main
expect_eq "README and Dockerfile problems together" \
"$refused_head
remote: README.md:5:10: error: \"colorTo\" must be one of [red, yellow, green, blue, indigo, purple, pink, gray] (got \"orange\")
remote: Dockerfile:1:6: error: \"FROM 1a2b3c4d5e6f\" names a local image by its ID; a Space builds only from public images and its own stages" "$out"
expect_eq "refusals leave main" "$good" "$(ref_of repos/mallory/app.git main)"

# spacehook validate DIR reports the same problems with the directory's path.
set +e
vout=$(cd "$SANDBOX" && "$SP_BIN/spacehook" validate work 2>&1)
vrc=$?
set -e
expect_eq "validate exits 1" 1 "$vrc"
expect_eq "validate names work/Dockerfile" \
'work/README.md:5:10: error: "colorTo" must be one of [red, yellow, green, blue, indigo, purple, pink, gray] (got "orange")
work/Dockerfile:1:6: error: "FROM 1a2b3c4d5e6f" names a local image by its ID; a Space builds only from public images and its own stages
spacehook: work/README.md: 2 errors, 0 warnings; a push of this would be rejected' "$vout"

# A normal multi-stage Dockerfile and the Space's own image are accepted.
sed -i 's/colorTo: orange/colorTo: green/' work/README.md
cat >work/Dockerfile <<'EOF2'
# syntax=docker/dockerfile:1
ARG BASE=spacehook-base:busybox
FROM ${BASE} AS build
RUN --mount=type=cache,target=/cache --network=none echo built >/out
FROM spacehook/mallory--app:0123456789ab AS previous
FROM $BASE
COPY --from=build /out /out
COPY --from=previous /bin/sh /old-sh
CMD ["httpd", "-f", "-p", "7860"]
EOF2
commit_all work "normal"
push work ../repos/mallory/app.git main
expect_eq "normal Dockerfile exits 0" 0 "$rc"
expect_eq "normal Dockerfile prints the ok line" \
	"remote: spacehook: README.md ok (sdk: docker, app_port: 7860)" "$out"
expect_eq "normal Dockerfile moves main" "$(ref_of work HEAD)" "$(ref_of repos/mallory/app.git main)"

# Another repository may not use mallory's images.
mkdir -p repos/eve
make_checked_bare repos/eve/app.git
push work ../repos/eve/app.git main
expect_eq "another Space's push of it exits 1" 1 "$rc"
expect_contains "another Space's push names the image" \
	'remote: Dockerfile:5:6: error: "FROM spacehook/mallory--app:0123456789ab" names another Space'"'"'s image' "$out"
expect_eq "another Space's push moves nothing" none "$(ref_of repos/eve/app.git main)"

# A repository with no Space id (outside spacehook.reposRoot, checked only)
# has no images of its own: every "spacehook/" image is refused.
make_checked_bare loose.git
git -C loose.git config spacehook.space true
push work ../loose.git main
expect_eq "a push without an id exits 1" 1 "$rc"
expect_contains "a push without an id names the image" \
	'remote: Dockerfile:5:6: error: "FROM spacehook/mallory--app:0123456789ab" names another Space'"'"'s image' "$out"

finish
