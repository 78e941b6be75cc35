#!/bin/sh
# Installs credential-process for Claude Code with Amazon Bedrock on Linux and macOS: checks
# this package against SHA256SUMS, copies the program and config.json, adds the AWS profile and
# merges the Claude Code settings (the program does the JSON). `ccwb package` fills in the
# profile name and region below. Run from anywhere: sh install.sh [--force] [--managed]

# zsh (people type zsh install.sh too) behaves as sh this way.
if [ -n "${ZSH_VERSION:-}" ]; then
	emulate sh
fi
set -eu
unset CDPATH
# What this installs runs as the developer (the program, the settings that name it): under a
# permissive umask another local user could replace it, so nothing is made group- or
# world-writable whatever the caller's umask.
umask 022

PROFILE='@PROFILE@'
REGION='@REGION@'

usage() {
	cat <<EOF
Usage: sh install.sh [--force] [--managed]

Installs credential-process for Claude Code with Amazon Bedrock (AWS profile $PROFILE,
region $REGION):
  - checks this package against SHA256SUMS;
  - copies the program for this computer and config.json to
    \$CCWB_INSTALL_DIR (default ~/claude-code-with-bedrock);
  - adds [profile $PROFILE] to your AWS config (\$AWS_CONFIG_FILE, default ~/.aws/config);
  - merges the Claude Code settings into ~/.claude/settings.json (\$CLAUDE_CONFIG_DIR):
    Bedrock through that profile, the models, usage telemetry to your organisation's
    quota API; every other setting of yours is kept, and the old file is backed up.
Running it again changes nothing that is already set up.

Options:
  --force     replace an existing [profile $PROFILE] section that differs, without asking
  --managed   install for every user of this computer (run with sudo): the program in
              /opt/claude-code-with-bedrock, the AWS profile in a file of its own, and the
              settings as Claude Code managed settings, which users cannot switch off
  --help      show this help
EOF
}

die() {
	printf 'Error: %s\n' "$1" >&2
	exit 1
}

warn() {
	printf 'Warning: %s\n' "$1" >&2
}

force=0
managed=0
for arg in "$@"; do
	case $arg in
	--force | -f) force=1 ;;
	--managed) managed=1 ;;
	--help | -h)
		usage
		exit 0
		;;
	*) die "unknown option $arg (see sh install.sh --help)" ;;
	esac
done

# The profile name and region go into files unquoted: only plain names are accepted.
case $PROFILE in
'' | *[!A-Za-z0-9._-]*) die "this install.sh has no usable profile name ($PROFILE): use the one in the package made by ccwb package" ;;
esac
case $REGION in
'' | *[!a-z0-9-]*) die "this install.sh has no usable region ($REGION): use the one in the package made by ccwb package" ;;
esac

[ -n "${HOME:-}" ] || die "HOME is not set: run the installer as yourself, in a login shell"
nl='
'

# Resolved before moving into the package directory, so relative paths mean what the user meant.
absolute() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	[~]/*) printf '%s/%s\n' "$HOME" "${1#??}" ;;
	*) printf '%s/%s\n' "$PWD" "$1" ;;
	esac
}
case $(uname -s) in
Darwin) managed_settings="/Library/Application Support/ClaudeCode/managed-settings.json" ;;
*) managed_settings=/etc/claude-code/managed-settings.json ;;
esac
if [ "$managed" = 1 ]; then
	[ "$(id -u)" = 0 ] || die "--managed writes system-wide settings ($managed_settings) and installs into /opt: it needs administrator rights. Run: sudo sh install.sh --managed"
	install_dir=$(absolute "${CCWB_INSTALL_DIR:-/opt/claude-code-with-bedrock}")
else
	install_dir=$(absolute "${CCWB_INSTALL_DIR:-$HOME/claude-code-with-bedrock}")
fi
[ "$install_dir" = / ] || install_dir=${install_dir%/}
if [ "$managed" = 1 ]; then
	# Every user's Claude Code reads the profile from here (AWS_CONFIG_FILE in the managed
	# settings), so no one's own ~/.aws/config is touched.
	aws_config=$install_dir/aws-config
else
	aws_config=$(absolute "${AWS_CONFIG_FILE:-$HOME/.aws/config}")
fi
claude_dir=$(absolute "${CLAUDE_CONFIG_DIR:-$HOME/.claude}")
settings=${claude_dir%/}/settings.json
case $install_dir$aws_config$settings in
*"$nl"*) die "an install path contains a line break; set CCWB_INSTALL_DIR or AWS_CONFIG_FILE to a plain path" ;;
esac

cd "$(dirname -- "$0")"

# --- The program for this computer ---------------------------------------------------------

os=$(uname -s)
arch=$(uname -m)
case $os in
Linux) os=linux os_name=Linux ;;
Darwin) os=macos os_name=macOS ;;
*) die "this installer is for Linux and macOS, not $os (on Windows run: powershell -ExecutionPolicy Bypass -File install.ps1)" ;;
esac
case $arch in
x86_64 | amd64) arch=x64 ;;
aarch64 | arm64) arch=arm64 ;;
*) die "there is no credential-process for $os_name on $arch processors (only x86_64 and arm64)" ;;
esac
# A shell running under Rosetta 2 reports x86_64 on Apple silicon: prefer the native program.
if [ "$os" = macos ] && [ "$arch" = x64 ] &&
	[ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then
	arch=arm64
fi
binary=credential-process-$os-$arch
if [ ! -f "$binary" ] && [ "$binary" = credential-process-macos-arm64 ] &&
	[ -f credential-process-macos-x64 ]; then
	echo "This package has no Apple silicon build; installing the Intel one (it runs with Rosetta 2)."
	binary=credential-process-macos-x64
fi
if [ ! -f "$binary" ]; then
	available=
	for file in credential-process-*; do
		if [ -f "$file" ]; then
			available="$available${available:+, }$file"
		fi
	done
	die "this package has no credential-process for $os_name on $arch ($binary is missing; it has: ${available:-no programs at all}). Ask your administrator for a package built for your computer."
fi
[ -f config.json ] || die "config.json is missing from this package: ask your administrator for a complete one"

# --- Checksums -----------------------------------------------------------------------------

[ -f SHA256SUMS ] || die "SHA256SUMS is missing from this package, so it cannot be checked: ask your administrator for a complete one"
if command -v sha256sum >/dev/null 2>&1; then
	hash_tool=sha256sum
elif command -v shasum >/dev/null 2>&1; then
	hash_tool=shasum
else
	die "neither sha256sum nor shasum is installed, so the package cannot be checked: install coreutils (Linux) or perl's shasum"
fi

file_sha256() {
	if [ "$hash_tool" = sha256sum ]; then
		sum=$(sha256sum <"$1")
	else
		sum=$(shasum -a 256 <"$1")
	fi
	printf '%s\n' "${sum%% *}" | tr 'A-F' 'a-f'
}

# The checksum SHA256SUMS lists for a file ("<hex>  <name>" or "<hex> *<name>"), lower case.
listed_sha256() {
	CCWB_NAME=$1 awk '
		{ sub(/\r$/, ""); name = $0; sub(/^[0-9A-Fa-f]+ [ *]/, "", name) }
		name == ENVIRON["CCWB_NAME"] { print tolower($1); exit }
	' SHA256SUMS
}

verify() {
	expected=$(listed_sha256 "$1")
	[ -n "$expected" ] || die "SHA256SUMS has no line for $1: the package is incomplete. Download it again or ask your administrator for a new one."
	actual=$(file_sha256 "$1")
	[ "$actual" = "$expected" ] || die "$1 does not match SHA256SUMS (expected $expected, got $actual): the package is damaged or was changed. Nothing was installed; download it again or ask your administrator for a new one."
}
verify "$binary"
verify config.json
grep -F "\"$PROFILE\"" config.json >/dev/null 2>&1 ||
	warn "config.json does not seem to have the profile $PROFILE: credential-process may not find it"

# --- What the AWS profile and Claude Code settings should say ---------------------------------

# A path as one word for the AWS SDKs (they split credential_process like a shell) and for
# Claude Code's helper commands; plain paths stay unquoted.
shell_quote() {
	case $1 in
	*[!A-Za-z0-9_./+,:@%-]*) ;;
	*)
		printf '%s' "$1"
		return
		;;
	esac
	case $1 in
	*[\"\$\`\\]*) printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")" ;;
	*) printf '"%s"' "$1" ;;
	esac
}

program=$install_dir/credential-process
quoted_program=$(shell_quote "$program")
credential_process="$quoted_program --profile $PROFILE"
if [ "$PROFILE" = default ]; then
	header='[default]'
else
	header="[profile $PROFILE]"
fi

# Reads the AWS config. MODE=check prints absent, same or different; MODE=show prints the
# profile's section(s); MODE=replace prints the file with the first section's settings replaced
# by ours and any later section of the same name dropped (comments and blank lines are kept, as
# they may describe the next section).
aws_profile() {
	CCWB_MODE=$1 CCWB_PROFILE=$PROFILE CCWB_CP=$credential_process CCWB_REGION=$REGION awk '
		function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
		function ours(line,   inner) {
			inner = line
			sub(/^[ \t]*\[/, "", inner)
			sub(/\].*$/, "", inner)
			inner = trim(inner)
			gsub(/[ \t]+/, " ", inner)
			return inner == "profile " profile || (profile == "default" && inner == "default")
		}
		BEGIN {
			mode = ENVIRON["CCWB_MODE"]; profile = ENVIRON["CCWB_PROFILE"]
			want_cp = ENVIRON["CCWB_CP"]; want_region = ENVIRON["CCWB_REGION"]
			sections = 0; same = 1; keys = 0
		}
		{
			line = $0
			eol = ""
			if (sub(/\r$/, "", line)) eol = "\r"
			if (line ~ /^[ \t]*\[/) {
				inside = ours(line)
				if (inside) sections++
				if (mode == "show" && inside) print line
				if (mode == "replace") {
					if (!inside) print $0
					else if (sections == 1) {
						print $0
						print "credential_process = " want_cp eol
						print "region = " want_region eol
					}
				}
				next
			}
			if (!inside) {
				if (mode == "replace") print $0
				next
			}
			if (mode == "show") print line
			t = trim(line)
			if (t == "" || t ~ /^[#;]/) {
				if (mode == "replace") print $0
				next
			}
			# A setting (or a continuation line) of our section.
			keys++
			eq = index(t, "=")
			if (line ~ /^[ \t]/ || eq == 0) { same = 0; next }
			key = trim(substr(t, 1, eq - 1)); value = trim(substr(t, eq + 1))
			if (key == "credential_process" && value == want_cp) seen_cp++
			else if (key == "region" && value == want_region) seen_region++
			else same = 0
		}
		END {
			if (mode != "check") exit
			if (sections == 0) print "absent"
			else if (sections == 1 && same && keys == 2 && seen_cp == 1 && seen_region == 1) print "same"
			else print "different"
		}
	' "$aws_config"
}

interactive() {
	{ [ -t 0 ] || [ -t 1 ]; } && (: </dev/tty) 2>/dev/null
}

if [ -f "$aws_config" ]; then
	aws_state=$(aws_profile check) || die "cannot read $aws_config"
else
	aws_state=absent
fi
if [ "$aws_state" = different ]; then
	{
		printf '%s already has %s, with other settings:\n\n' "$aws_config" "$header"
		aws_profile show | sed 's/^./    &/'
		printf '\nThe installer sets it to:\n\n    %s\n    credential_process = %s\n    region = %s\n\n' \
			"$header" "$credential_process" "$REGION"
	} >&2
fi
if [ "$aws_state" = different ] && [ "$force" = 0 ]; then
	answer=
	if interactive; then
		printf 'Replace those lines (other profiles are kept)? [y/N] ' >/dev/tty
		read -r answer 2>/dev/null </dev/tty || answer=
		case $answer in
		[yY] | [yY][eE][sS]) ;;
		*) die "$header in $aws_config was left as it is, and nothing was installed. Run sh install.sh --force to replace it." ;;
		esac
	else
		die "$header in $aws_config has other settings; it was left as it is, and nothing was installed. Run sh install.sh --force to replace that section (other profiles are kept), or edit it yourself."
	fi
fi

# --- Install ---------------------------------------------------------------------------------

# A temp file in the destination directory, renamed into place: a credential-process running
# right now keeps its old file, and no run ever sees half a program.
tmp=
trap '[ -z "$tmp" ] || rm -f "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

install_file() {
	tmp=$(dirname -- "$2")/.$(basename -- "$2").new.$$
	cat "$1" >"$tmp"
	chmod "$3" "$tmp"
	mv -f "$tmp" "$2"
	tmp=
}

mkdir -p "$install_dir" || die "cannot create $install_dir: set CCWB_INSTALL_DIR to a folder you can write to"
install_file "$binary" "$program" 0755
install_file config.json "$install_dir/config.json" 0644
if [ "$os" = macos ]; then
	# Programs unpacked by Finder carry the download quarantine, which stops them at first run.
	xattr -d com.apple.quarantine "$program" 2>/dev/null || true
fi

# --- AWS profile -----------------------------------------------------------------------------

case $aws_state in
same)
	aws_result="already configured"
	echo "AWS profile $PROFILE is already configured in $aws_config."
	;;
absent)
	mkdir -p "$(dirname -- "$aws_config")"
	# A blank line between the last section and ours (and the newline it may lack).
	separator=
	if [ -s "$aws_config" ]; then
		if [ -n "$(tail -c 1 "$aws_config")" ]; then
			separator=$nl$nl
		elif [ -n "$(tail -n 1 "$aws_config")" ]; then
			separator=$nl
		fi
	fi
	printf '%s%s\ncredential_process = %s\nregion = %s\n' \
		"$separator" "$header" "$credential_process" "$REGION" >>"$aws_config"
	aws_result="added"
	echo "Added AWS profile $PROFILE to $aws_config."
	;;
different)
	if [ -L "$aws_config" ]; then
		# A link (to a dotfiles repository, say) stays a link: write through it.
		tmp=$(dirname -- "$aws_config")/.config.ccwb.$$
		aws_profile replace >"$tmp"
		cat "$tmp" >"$aws_config"
		rm -f "$tmp"
		tmp=
	else
		tmp=$(dirname -- "$aws_config")/.$(basename -- "$aws_config").ccwb.$$
		cp -p "$aws_config" "$tmp"
		aws_profile replace >"$tmp"
		mv -f "$tmp" "$aws_config"
		tmp=
	fi
	aws_result="replaced"
	echo "Replaced the settings of $header in $aws_config (the old lines are shown above)."
	;;
esac

# --- Check the program, then Claude Code settings ---------------------------------------------

if ! version=$("$program" --version 2>&1); then
	if [ "$os" = macos ]; then
		hint="if macOS blocked it, allow it in System Settings > Privacy & Security, or run: xattr -d com.apple.quarantine '$program'"
	else
		hint="your administrator may need to build it for your Linux version"
	fi
	warn "the installed program does not run here: $version ($hint)"
	version="does not run (see the warning above)"
	runs=0
else
	runs=1
fi

# The program merges the settings as JSON (every other setting of yours is kept, a backup is written)
# and records what it changed, so ccwb cleanup can take exactly that out again.
set -- --install-claude-settings --profile "$PROFILE"
if [ "$managed" = 1 ]; then
	set -- "$@" --managed --aws-config-file "$aws_config"
	if [ -n "${CCWB_MANAGED_SETTINGS_FILE:-}" ]; then
		set -- "$@" --settings-file "$CCWB_MANAGED_SETTINGS_FILE"
	fi
elif [ -n "${CLAUDE_CONFIG_DIR:-}" ]; then
	set -- "$@" --settings-file "$settings"
fi
if [ "$runs" = 0 ]; then
	settings_result="not changed: the program does not run here"
elif settings_report=$("$program" "$@"); then
	printf '%s\n' "$settings_report"
	if [ "$managed" = 1 ]; then
		settings=${CCWB_MANAGED_SETTINGS_FILE:-$managed_settings}
		settings_result="managed settings"
	else
		settings_result="merged"
	fi
else
	die "the Claude Code settings were not changed (the reason is above). The program and AWS profile are installed; fix that and run sh install.sh again."
fi

cat <<EOF

Claude Code with Amazon Bedrock is set up:
  program       $program ($version)
  config        $install_dir/config.json
  AWS profile   $PROFILE in $aws_config ($aws_result)
  Claude Code   $settings ($settings_result)

Next: run  aws sts get-caller-identity --profile $PROFILE  (the first time, a browser window
opens for you to sign in), or simply start  claude
EOF
if ! command -v claude >/dev/null 2>&1; then
	echo "Claude Code (claude) is not on your PATH yet: install it first."
fi
