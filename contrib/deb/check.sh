#!/usr/bin/env bash
# Builds tend's Debian package and checks it the way an operator meets it:
#   1. builds it with cargo-deb (installed here, under target/, when missing);
#   2. lintian: no errors, and every warning fixed or overridden with a reason
#      (contrib/deb/lintian-overrides);
#   3. dpkg -i, then, as the tend user: tend --version, man -w tend,
#      tend --root /var/lib/tend init --example && tend --root /var/lib/tend tick;
#   4. dpkg --remove keeps the root and the user; dpkg --purge removes both,
#      and nothing of the package is left behind.
# Needs root (it installs, removes and purges the package, and apt-gets
# lintian, dpkg-dev and the other tools it uses when they are missing).
# Leaves the package in target/debian/ and a report in target/debian/check/.
# --no-build packages the binary already in target/release/ (cargo deb --no-build).
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$SECONDS

# The cargo-deb this script was written against; bump it deliberately.
CARGO_DEB_VERSION=3.8.0

die() {
    echo "check.sh: $*" >&2
    exit 1
}

build=()
case "${1:-}" in
"") ;;
--no-build) build=(--no-build) ;;
*) die "unknown argument $1: expected nothing or --no-build" ;;
esac
[ "$(id -u)" = 0 ] || die "run me as root: I install, remove and purge the package (try: sudo $0)"

target=${CARGO_TARGET_DIR:-target}
report="$target/debian/check"
mkdir -p "$report"

echo "== tools"
need=()
command -v lintian >/dev/null || need+=(lintian)
command -v dpkg-shlibdeps >/dev/null || need+=(dpkg-dev)
command -v objcopy >/dev/null || need+=(binutils)
command -v man >/dev/null || need+=(man-db)
command -v adduser >/dev/null || need+=(adduser)
command -v runuser >/dev/null || need+=(util-linux)
if ((${#need[@]})); then
    echo "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || die "apt-get update failed; install ${need[*]} by hand"
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null ||
        die "cannot install ${need[*]}: run apt-get install ${need[*]}"
fi
cargo_deb="$target/tools/cargo-deb/bin/cargo-deb"
if ! "$cargo_deb" --version 2>/dev/null | grep -qF "$CARGO_DEB_VERSION"; then
    echo "installing cargo-deb $CARGO_DEB_VERSION into $target/tools/cargo-deb"
    cargo install --quiet --locked --version "$CARGO_DEB_VERSION" --root "$target/tools/cargo-deb" cargo-deb ||
        die "cannot install cargo-deb: run cargo install --locked --version $CARGO_DEB_VERSION --root $target/tools/cargo-deb cargo-deb"
fi
"$cargo_deb" --version

echo "== build"
rm -f "$target"/debian/*.deb "$target"/debian/*.ddeb
built=$SECONDS
"$cargo_deb" --locked "${build[@]}"
echo "built in $((SECONDS - built)) s"
deb=$(ls "$target"/debian/tend_*.deb)
ddeb=$(ls "$target"/debian/tend-dbgsym_*.ddeb)
dpkg-deb --info "$deb" >"$report/info.txt"
dpkg-deb --contents "$deb" | tee "$report/contents.txt"
dpkg-deb --contents "$ddeb" >"$report/dbgsym-contents.txt"
ls -l "$deb" "$ddeb" | tee "$report/size.txt"
dpkg-deb -f "$deb" Installed-Size | sed 's/^/Installed-Size (KiB): /' | tee -a "$report/size.txt"

# What the package must hold (issue: install like a system tool).
contents=$(dpkg-deb --contents "$deb" | awk '{print $6}' | sed 's#^\./#/#')
for path in /usr/bin/tend /usr/share/man/man1/tend.1.gz /usr/share/man/man5/tend.toml.5.gz \
    /usr/share/bash-completion/completions/tend /usr/share/zsh/vendor-completions/_tend \
    /usr/share/fish/vendor_completions.d/tend.fish \
    /usr/lib/systemd/system/tend.service /usr/lib/systemd/system/tend.timer \
    /usr/lib/systemd/system/tend-daily.service /usr/lib/systemd/system/tend-daily.timer \
    /usr/share/doc/tend/examples/tend.toml /usr/share/doc/tend/copyright \
    /usr/share/doc/tend/changelog.Debian.gz; do
    grep -qx "$path" <<<"$contents" || die "the package lacks $path"
done
for page in man/*.[1-8]; do
    section=${page##*.}
    grep -qx "/usr/share/man/man$section/$(basename "$page").gz" <<<"$contents" ||
        die "the package lacks the man page $page (add it to [package.metadata.deb] assets)"
done
# Stripped: the symbols are in the -dbgsym package.
rm -rf "$report/unpacked" && dpkg-deb -x "$deb" "$report/unpacked"
sections=$(readelf -S --wide "$report/unpacked/usr/bin/tend")
if grep -qE ' \.(symtab|debug_info|debug_line) ' <<<"$sections"; then
    die "/usr/bin/tend is not stripped (it has .symtab, .debug_info or .debug_line)"
fi
grep -q '/usr/lib/debug/.build-id/.*\.debug$' "$report/dbgsym-contents.txt" ||
    die "the dbgsym package holds no .build-id debug file"

echo "== lintian"
# Errors and warnings fail the check; info tags and the overrides (each with
# its reason) are shown and recorded.
lintian --fail-on none --display-info --show-overrides "$deb" 2>&1 | tee "$report/lintian.txt"
if grep -qE '^(E|W): ' "$report/lintian.txt"; then
    die "lintian found errors or warnings (above): fix them, or override one with a reason in contrib/deb/lintian-overrides"
fi

echo "== install"
# A clean machine: no tend user, no root, nothing left from an earlier run.
dpkg-query -W -f='${Status}' tend 2>/dev/null | grep -q "installed" && die "tend is already installed; dpkg --purge tend first"
getent passwd tend >/dev/null && die "a user tend exists already; this check would remove it"
[ -e /var/lib/tend ] && die "/var/lib/tend exists already; this check would remove it"

watched=(/etc /usr /var/lib /opt /srv)
snapshot() {
    find "${watched[@]}" -xdev \( -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/lib/ucf \) -prune -o -print 2>/dev/null | sort
}
snapshot >"$report/before.txt"

dpkg -i "$deb"
as_tend() { runuser -u tend -- env -i PATH=/usr/bin:/bin HOME=/var/lib/tend LANG=C.UTF-8 "$@"; }
getent passwd tend
[ "$(stat -c '%U:%G %a' /var/lib/tend)" = "tend:tend 750" ] ||
    die "/var/lib/tend is $(stat -c '%U:%G %a' /var/lib/tend), expected tend:tend 750"
as_tend tend --version
as_tend man -w tend
as_tend man -w 5 tend.toml
as_tend tend --root /var/lib/tend init --example && as_tend tend --root /var/lib/tend tick
as_tend tend --root /var/lib/tend status
for unit in tend.timer tend-daily.timer; do
    [ -e "/etc/systemd/system/timers.target.wants/$unit" ] && die "$unit was enabled by the install; it must only be installed"
done

echo "== remove"
dpkg --remove tend
[ -x /usr/bin/tend ] && die "/usr/bin/tend is still there after dpkg --remove"
[ -f /var/lib/tend/tend.toml ] || die "dpkg --remove removed the root's tend.toml; it must keep the root"
getent passwd tend >/dev/null || die "dpkg --remove removed the tend user; only purge may"

echo "== purge"
dpkg --purge tend | tee "$report/purge.txt"
grep -q "removing the state root /var/lib/tend" "$report/purge.txt" || die "purge did not say it removes /var/lib/tend"
grep -q "removing the system user tend" "$report/purge.txt" || die "purge did not say it removes the tend user"
[ -e /var/lib/tend ] && die "/var/lib/tend is still there after purge"
getent passwd tend >/dev/null && die "the tend user is still there after purge"
getent group tend >/dev/null && die "the tend group is still there after purge"
snapshot >"$report/after.txt"
if ! diff -u "$report/before.txt" "$report/after.txt" >"$report/left-behind.diff"; then
    cat "$report/left-behind.diff"
    die "install and purge changed the file system (above)"
fi

echo "== ok: $(basename "$deb") built, linted, installed, removed and purged in $((SECONDS - started)) s"
