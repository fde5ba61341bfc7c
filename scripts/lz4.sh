#!/bin/sh
# lz4.sh OUTDIR - fetch Debian's lz4 source package (issue 10: "the lz4
# source package fetched with apt-get source") and unpack its upstream
# tarball into OUTDIR, so that OUTDIR/lib/lz4.c and lz4.h exist.  Nothing
# of it is ever copied into the repository.
#
# apt-get runs on a private configuration: a sources list that holds
# deb-src twins of the system's own Debian deb entries (same mirror, same
# suites, same keyring), its own lists, cache and state under OUTDIR.apt,
# so the system's apt state is neither needed nor changed.
set -eu
out=$(realpath -m "$1")
apt="$out.apt"
rm -rf "$out" "$apt"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/src"

codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$codename" ] || { echo "lz4: no VERSION_CODENAME in /etc/os-release" >&2; exit 1; }

# The system's deb entries for this release ($codename, -updates,
# -security), from one-line lists and deb822 .sources files alike, as
# one-line deb-src entries.  Third-party repositories use other suite names.
{
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk -v c="$codename" '
		$1 == "deb" {
			opts = ""; i = 2
			if ($2 ~ /^\[/) { while ($i !~ /\]$/) { opts = opts $i " "; i++ } opts = opts $i " "; i++ }
			uri = $i; suite = $(i + 1); comps = ""
			for (j = i + 2; j <= NF; j++) comps = comps " " $j
			if (suite == c || suite == c "-updates" || suite == c "-security")
				print "deb-src " opts uri " " suite comps
		}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v c="$codename" '
		function flush(   n, s, i) {
			if (types ~ /(^| )deb( |$)/ && enabled != "no") {
				n = split(suites, s, " ")
				for (i = 1; i <= n; i++)
					if (s[i] == c || s[i] == c "-updates" || s[i] == c "-security")
						print "deb-src " (key != "" ? "[signed-by=" key "] " : "") uris " " s[i] " " comps
			}
			types = uris = suites = comps = key = enabled = ""
		}
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		{
			k = tolower($1); sub(/:$/, "", k); v = $0; sub(/^[^:]*:[ \t]*/, "", v)
			if (k == "types") types = v
			else if (k == "uris") uris = v
			else if (k == "suites") suites = v
			else if (k == "components") comps = v
			else if (k == "signed-by") key = v
			else if (k == "enabled") enabled = tolower(v)
		}
		END { flush() }' "$f"
	done
} | sort -u >"$apt/sources.list"
[ -s "$apt/sources.list" ] || { echo "lz4: no Debian $codename entry in the apt sources" >&2; exit 1; }

set -- -o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null \
	-o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" \
	-o Dir::State::status=/var/lib/dpkg/status -o APT::Sandbox::User=root \
	-o Debug::NoLocking=1 -qq
echo "lz4: apt-get update (private lists, deb-src)"
apt-get "$@" update >"$apt/update.log" 2>&1 || { cat "$apt/update.log" >&2; exit 1; }
cd "$apt/src"
apt-get "$@" source --download-only lz4 >"$apt/source.log" 2>&1 ||
	{ cat "$apt/source.log" >&2; exit 1; }
tarball=$(ls lz4_*.orig.tar.gz 2>/dev/null | head -n 1)
[ -n "$tarball" ] || { echo "lz4: no lz4_*.orig.tar.gz from apt-get source" >&2; exit 1; }
mkdir -p "$out"
tar -xzf "$tarball" -C "$out" --strip-components=1
[ -f "$out/lib/lz4.c" ] && [ -f "$out/lib/lz4.h" ] ||
	{ echo "lz4: $tarball has no lib/lz4.c" >&2; exit 1; }
echo "$tarball" >"$out/.source"
echo "lz4: unpacked $tarball into $out"
