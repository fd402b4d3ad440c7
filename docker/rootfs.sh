#!/bin/sh
# The image's whole filesystem, made in a folder: docker/rootfs.sh ISS OUT
#
# ISS is the `iss` binary, OUT a new folder. OUT gets iss, the entrypoint
# and health-check scripts, the two shells they run on (/bin/sh, and bash
# for the health check's /dev/tcp), every shared library those programs
# load (as `ldd` names them, at the same paths), an /etc/passwd and
# /etc/group with the unprivileged user `iss` (uid/gid 10001), /tmp and
# the volume's mount point /ledger. Nothing else: no package manager, no
# other tools. The Dockerfile's build stage runs this and the runtime stage
# is `FROM scratch` with OUT copied in; tests/container_image.rs runs it on
# this machine's binary to build the same runtime stage offline.
set -eu
iss=$1
out=$2
here=$(dirname "$0")
mkdir -p "$out/usr/local/bin" "$out/bin" "$out/etc" "$out/ledger" "$out/tmp"
cp "$iss" "$out/usr/local/bin/iss"
cp "$here/entrypoint.sh" "$out/usr/local/bin/iss-entrypoint"
cp "$here/healthcheck.sh" "$out/usr/local/bin/iss-healthcheck"
chmod 0755 "$out/usr/local/bin/iss" "$out/usr/local/bin/iss-entrypoint" "$out/usr/local/bin/iss-healthcheck"
cp -L /bin/sh "$out/bin/sh"
cp -L /bin/bash "$out/bin/bash"
for program in "$iss" /bin/sh /bin/bash; do
    # `ldd` lines: "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" and
    # the loader's "/lib64/ld-linux-x86-64.so.2 (0x…)".
    ldd "$program" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
        while read -r lib; do
            mkdir -p "$out$(dirname "$lib")"
            cp -L "$lib" "$out$lib"
        done
done
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\niss:x:10001:10001:iss serve:/nonexistent:/usr/sbin/nologin\n' > "$out/etc/passwd"
printf 'root:x:0:\niss:x:10001:\n' > "$out/etc/group"
chmod 1777 "$out/tmp"
