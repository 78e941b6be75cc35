#Requires -Version 5.1
<#
.SYNOPSIS
Installs credential-process for Claude Code with Amazon Bedrock on Windows.

.DESCRIPTION
Checks this package against SHA256SUMS, copies credential-process.exe and config.json to
%USERPROFILE%\claude-code-with-bedrock (or $env:CCWB_INSTALL_DIR), adds the AWS profile to your AWS
config ($env:AWS_CONFIG_FILE, default ~\.aws\config) and merges the Claude Code settings into
~\.claude\settings.json (every other setting is kept; the old file is backed up). Running it again
changes nothing that is already set up.

.PARAMETER Force
Replace an existing profile section that differs, without asking.

.PARAMETER Managed
Install for every user of this computer (run PowerShell as administrator): the program in
%ProgramFiles%\claude-code-with-bedrock, the AWS profile in a file of its own there, and the
Claude Code settings as managed settings, which users cannot switch off.

.EXAMPLE
powershell -ExecutionPolicy Bypass -File install.ps1

.EXAMPLE
powershell -ExecutionPolicy Bypass -File install.ps1 -Force
#>
[CmdletBinding()]
param(
    [switch]$Force,
    [switch]$Managed,
    [switch]$Help
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

# `ccwb package` fills these in. ($PROFILE is PowerShell's own variable, hence ProfileName.)
$ProfileName = '@PROFILE@'
$Region = '@REGION@'

function Fail([string]$Message) {
    [Console]::Error.WriteLine("Error: $Message")
    exit 1
}

function Warn([string]$Message) {
    [Console]::Error.WriteLine("Warning: $Message")
}

if ($Help) {
    Write-Host @"
Usage: powershell -ExecutionPolicy Bypass -File install.ps1 [-Force] [-Managed]

Installs credential-process for Claude Code with Amazon Bedrock (AWS profile $ProfileName,
region $Region):
  - checks this package against SHA256SUMS;
  - copies credential-process.exe and config.json to `$env:CCWB_INSTALL_DIR
    (default %USERPROFILE%\claude-code-with-bedrock);
  - adds [profile $ProfileName] to your AWS config (`$env:AWS_CONFIG_FILE, default ~\.aws\config);
  - merges the Claude Code settings into ~\.claude\settings.json: Bedrock through that
    profile, the models, usage telemetry to your organisation's quota API; every other
    setting is kept and the old file is backed up.
Running it again changes nothing that is already set up.

Options:
  -Force     replace an existing [profile $ProfileName] section that differs, without asking
  -Managed   install for every user of this computer (as administrator): the program in
             Program Files, the settings as Claude Code managed settings users cannot switch off
  -Help      show this help
"@
    exit 0
}

# The profile name and region go into files unquoted: only plain names are accepted.
if ($ProfileName -cnotmatch '^[A-Za-z0-9._-]+$') {
    Fail "this install.ps1 has no usable profile name ($ProfileName): use the one in the package made by ccwb package"
}
if ($Region -cnotmatch '^[a-z0-9-]+$') {
    Fail "this install.ps1 has no usable region ($Region): use the one in the package made by ccwb package"
}
if ($PSVersionTable.PSVersion.Major -ge 6 -and -not $IsWindows) {
    Fail "install.ps1 is for Windows: on Linux and macOS run sh install.sh"
}
if (-not $env:USERPROFILE) {
    Fail "USERPROFILE is not set: run the installer as yourself"
}
$HomeDir = $env:USERPROFILE

# A path the user gave, made absolute (relative to where they are; ~ is their profile folder).
function Resolve-UserPath([string]$Path) {
    if ($Path -match '^~[\\/]') {
        $Path = Join-Path $HomeDir $Path.Substring(2)
    }
    $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
}

if ($Managed) {
    $Principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
    if (-not $Principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
        Fail '-Managed writes system-wide settings and installs into Program Files: run PowerShell as administrator.'
    }
    $DefaultInstallDir = Join-Path $env:ProgramFiles 'claude-code-with-bedrock'
} else {
    $DefaultInstallDir = Join-Path $HomeDir 'claude-code-with-bedrock'
}
$InstallDir = if ($env:CCWB_INSTALL_DIR) { Resolve-UserPath $env:CCWB_INSTALL_DIR } else { $DefaultInstallDir }
$InstallDir = $InstallDir.TrimEnd('\', '/')
# Managed installs keep the AWS profile in a file of their own, named in the managed settings.
$AwsConfig = if ($Managed) { Join-Path $InstallDir 'aws-config' } elseif ($env:AWS_CONFIG_FILE) { Resolve-UserPath $env:AWS_CONFIG_FILE } else { Join-Path $HomeDir '.aws\config' }
$ClaudeDir = if ($env:CLAUDE_CONFIG_DIR) { Resolve-UserPath $env:CLAUDE_CONFIG_DIR } else { Join-Path $HomeDir '.claude' }
$Settings = Join-Path $ClaudeDir 'settings.json'
$PackageDir = if ($PSScriptRoot) { $PSScriptRoot } else { (Get-Location).ProviderPath }

# --- The program for this computer -------------------------------------------------------------

if (-not [Environment]::Is64BitOperatingSystem) {
    Fail "credential-process needs 64-bit Windows; this is 32-bit Windows"
}
$Arch = if ($env:PROCESSOR_ARCHITEW6432) { $env:PROCESSOR_ARCHITEW6432 } else { $env:PROCESSOR_ARCHITECTURE }
$BinaryName = 'credential-process-windows-x64.exe'
$Binary = Join-Path $PackageDir $BinaryName
if (-not (Test-Path -LiteralPath $Binary -PathType Leaf)) {
    $available = @(Get-ChildItem -LiteralPath $PackageDir -Filter 'credential-process-*' -File | ForEach-Object { $_.Name })
    $has = if ($available.Length -gt 0) { $available -join ', ' } else { 'no programs at all' }
    Fail "this package has no credential-process for Windows ($BinaryName is missing; it has: $has). Ask your administrator for a package built for Windows."
}
if ($Arch -eq 'ARM64') {
    Write-Host "This is Windows on Arm: the x64 program runs with Windows' x64 emulation."
}
$ConfigJson = Join-Path $PackageDir 'config.json'
if (-not (Test-Path -LiteralPath $ConfigJson -PathType Leaf)) {
    Fail "config.json is missing from this package: ask your administrator for a complete one"
}

# --- Checksums ---------------------------------------------------------------------------------

$SumsPath = Join-Path $PackageDir 'SHA256SUMS'
if (-not (Test-Path -LiteralPath $SumsPath -PathType Leaf)) {
    Fail "SHA256SUMS is missing from this package, so it cannot be checked: ask your administrator for a complete one"
}
# "<hex>  <name>" or "<hex> *<name>", as sha256sum prints them.
$Listed = @{}
foreach ($line in [IO.File]::ReadAllLines($SumsPath)) {
    if ($line -match '^([0-9A-Fa-f]{64}) [ *](.+?)\s*$') {
        $Listed[$Matches[2]] = $Matches[1].ToLowerInvariant()
    }
}

function Assert-Checksum([string]$Name) {
    if (-not $Listed.ContainsKey($Name)) {
        Fail "SHA256SUMS has no line for ${Name}: the package is incomplete. Download it again or ask your administrator for a new one."
    }
    $expected = $Listed[$Name]
    $actual = (Get-FileHash -LiteralPath (Join-Path $PackageDir $Name) -Algorithm SHA256).Hash.ToLowerInvariant()
    if ($actual -ne $expected) {
        Fail "$Name does not match SHA256SUMS (expected $expected, got $actual): the package is damaged or was changed. Nothing was installed; download it again or ask your administrator for a new one."
    }
}
Assert-Checksum $BinaryName
Assert-Checksum 'config.json'
if (-not ([IO.File]::ReadAllText($ConfigJson)).Contains("`"$ProfileName`"")) {
    Warn "config.json does not seem to have the profile ${ProfileName}: credential-process may not find it"
}

# --- What the AWS profile and Claude Code settings should say ----------------------------------

$Program = Join-Path $InstallDir 'credential-process.exe'
# The AWS SDKs split credential_process like a command line: quote the path when it has spaces.
# (Windows paths cannot contain double quotes.)
$ProgramWord = if ($Program -match '^[A-Za-z0-9_.:\\/+,@%-]+$') { $Program } else { "`"$Program`"" }
$CredentialProcess = "$ProgramWord --profile $ProfileName"
# Claude Code may run helpers with cmd.exe or Git Bash: a double-quoted path keeps its
# backslashes in both.
$Header = if ($ProfileName -eq 'default') { '[default]' } else { "[profile $ProfileName]" }
$Utf8 = New-Object System.Text.UTF8Encoding($false)

# 'ours' for our profile's header line, 'other' for another section's, 'none' for other lines.
function Get-HeaderKind([string]$Line) {
    if ($Line -notmatch '^\s*\[') { return 'none' }
    $inner = (($Line -replace '^\s*\[', '') -replace '\].*$', '').Trim() -replace '\s+', ' '
    if ($inner -ceq "profile $ProfileName" -or ($ProfileName -ceq 'default' -and $inner -ceq 'default')) {
        return 'ours'
    }
    'other'
}

# Reads the AWS config text: State is absent, same or different; Shown holds the lines of our
# section(s); Replaced is the text with the first section's settings replaced by ours and any later
# section of the same name dropped (comments and blank lines are kept: they may describe the next
# section).
function Read-AwsProfile([string]$Text, [string]$NewLine) {
    $sections = 0; $same = $true; $keys = 0; $seenCp = 0; $seenRegion = 0; $inside = $false
    $shown = New-Object System.Collections.Generic.List[string]
    $out = New-Object System.Text.StringBuilder
    foreach ($piece in ($Text -split '(?<=\n)')) {
        if ($piece -eq '') { continue }
        $line = $piece.TrimEnd([char[]]"`r`n")
        $eol = $piece.Substring($line.Length)
        $kind = Get-HeaderKind $line
        if ($kind -ne 'none') {
            $inside = ($kind -eq 'ours')
            if (-not $inside) {
                [void]$out.Append($piece)
                continue
            }
            $sections++
            $shown.Add($line)
            if ($sections -eq 1) {
                $nl = if ($eol) { $eol } else { $NewLine }
                [void]$out.Append($line + $nl + "credential_process = $CredentialProcess" + $nl + "region = $Region" + $nl)
            }
            continue
        }
        if (-not $inside) {
            [void]$out.Append($piece)
            continue
        }
        $shown.Add($line)
        $t = $line.Trim()
        if ($t -eq '' -or $t.StartsWith('#') -or $t.StartsWith(';')) {
            [void]$out.Append($piece)
            continue
        }
        # A setting (or a continuation line) of our section.
        $keys++
        $eq = $t.IndexOf('=')
        if ($line -match '^\s' -or $eq -lt 0) {
            $same = $false
            continue
        }
        $key = $t.Substring(0, $eq).Trim()
        $value = $t.Substring($eq + 1).Trim()
        if ($key -ceq 'credential_process' -and $value -ceq $CredentialProcess) {
            $seenCp++
        } elseif ($key -ceq 'region' -and $value -ceq $Region) {
            $seenRegion++
        } else {
            $same = $false
        }
    }
    $state = 'different'
    if ($sections -eq 0) {
        $state = 'absent'
    } elseif ($sections -eq 1 -and $same -and $keys -eq 2 -and $seenCp -eq 1 -and $seenRegion -eq 1) {
        $state = 'same'
    }
    New-Object PSObject -Property @{ State = $state; Shown = $shown; Replaced = $out.ToString() }
}

function Test-Interactive {
    if (-not [Environment]::UserInteractive) { return $false }
    if ([Console]::IsInputRedirected) { return $false }
    foreach ($arg in [Environment]::GetCommandLineArgs()) {
        if ($arg -like '-noni*') { return $false }
    }
    $true
}

$AwsText = ''
$AwsBom = $false
if (Test-Path -LiteralPath $AwsConfig -PathType Leaf) {
    $bytes = [IO.File]::ReadAllBytes($AwsConfig)
    $AwsBom = ($bytes.Length -ge 3 -and $bytes[0] -eq 0xEF -and $bytes[1] -eq 0xBB -and $bytes[2] -eq 0xBF)
    $AwsText = [IO.File]::ReadAllText($AwsConfig)
}
# New lines follow the file's line endings (Windows' for a new file).
$NewLine = "`r`n"
if ($AwsText.Length -gt 0 -and -not $AwsText.Contains("`r`n") -and $AwsText.Contains("`n")) {
    $NewLine = "`n"
}
$AwsProfile = Read-AwsProfile $AwsText $NewLine
$AwsState = $AwsProfile.State

if ($AwsState -eq 'different') {
    [Console]::Error.WriteLine("$AwsConfig already has $Header, with other settings:")
    [Console]::Error.WriteLine('')
    foreach ($line in $AwsProfile.Shown) {
        if ($line) { [Console]::Error.WriteLine("    $line") } else { [Console]::Error.WriteLine('') }
    }
    [Console]::Error.WriteLine('')
    [Console]::Error.WriteLine('The installer sets it to:')
    [Console]::Error.WriteLine('')
    [Console]::Error.WriteLine("    $Header")
    [Console]::Error.WriteLine("    credential_process = $CredentialProcess")
    [Console]::Error.WriteLine("    region = $Region")
    [Console]::Error.WriteLine('')
    if (-not $Force) {
        if (-not (Test-Interactive)) {
            Fail "$Header in $AwsConfig has other settings; it was left as it is, and nothing was installed. Run install.ps1 -Force to replace that section (other profiles are kept), or edit it yourself."
        }
        $answer = ''
        try { $answer = Read-Host 'Replace those lines (other profiles are kept)? [y/N]' } catch { $answer = '' }
        if ($answer -notmatch '^(y|yes)$') {
            Fail "$Header in $AwsConfig was left as it is, and nothing was installed. Run install.ps1 -Force to replace it."
        }
    }
}

# --- Install -----------------------------------------------------------------------------------

# Copies through a temp file beside the destination. Windows cannot overwrite a program that is
# running, but it can rename it: the old one is moved aside and removed when no longer in use.
function Install-File([string]$Source, [string]$Destination) {
    $tmp = "$Destination.new"
    [IO.File]::Copy($Source, $tmp, $true)
    try {
        if (Test-Path -LiteralPath $Destination) {
            $old = "$Destination.old"
            if (Test-Path -LiteralPath $old) { Remove-Item -LiteralPath $old -Force -ErrorAction SilentlyContinue }
            if (Test-Path -LiteralPath $old) { $old = "$Destination.old-$([Guid]::NewGuid().ToString('N'))" }
            [IO.File]::Move($Destination, $old)
            [IO.File]::Move($tmp, $Destination)
            Remove-Item -LiteralPath $old -Force -ErrorAction SilentlyContinue
        } else {
            [IO.File]::Move($tmp, $Destination)
        }
    } finally {
        if (Test-Path -LiteralPath $tmp) { Remove-Item -LiteralPath $tmp -Force -ErrorAction SilentlyContinue }
    }
    # Files unpacked from a downloaded zip are marked as from the internet.
    Unblock-File -LiteralPath $Destination -ErrorAction SilentlyContinue
}

try {
    [void](New-Item -ItemType Directory -Force -Path $InstallDir)
    Install-File $Binary $Program
    Install-File $ConfigJson (Join-Path $InstallDir 'config.json')
} catch {
    Fail "cannot install into ${InstallDir}: $($_.Exception.Message) (set CCWB_INSTALL_DIR to a folder you can write to)"
}

# --- AWS profile -------------------------------------------------------------------------------

function Write-TextFile([string]$Path, [string]$Text, [bool]$Bom) {
    $encoding = New-Object System.Text.UTF8Encoding($Bom)
    $tmp = "$Path.ccwb-new"
    [IO.File]::WriteAllText($tmp, $Text, $encoding)
    if (Test-Path -LiteralPath $Path) {
        # Keeps the file's permissions; a backup is not wanted.
        [IO.File]::Replace($tmp, $Path, [NullString]::Value)
    } else {
        [IO.File]::Move($tmp, $Path)
    }
}

switch ($AwsState) {
    'same' {
        $AwsResult = 'already configured'
        Write-Host "AWS profile $ProfileName is already configured in $AwsConfig."
    }
    'absent' {
        [void](New-Item -ItemType Directory -Force -Path (Split-Path -Parent $AwsConfig))
        # A blank line between the last section and ours (and the newline it may lack).
        $separator = ''
        if ($AwsText.Length -gt 0) {
            if (-not $AwsText.EndsWith("`n")) {
                $separator = $NewLine + $NewLine
            } elseif ($AwsText -notmatch '(^|\n)[ \t]*\r?\n$') {
                $separator = $NewLine
            }
        }
        $section = $separator + $Header + $NewLine + "credential_process = $CredentialProcess" + $NewLine + "region = $Region" + $NewLine
        [IO.File]::AppendAllText($AwsConfig, $section, $Utf8)
        $AwsResult = 'added'
        Write-Host "Added AWS profile $ProfileName to $AwsConfig."
    }
    'different' {
        Write-TextFile $AwsConfig $AwsProfile.Replaced $AwsBom
        $AwsResult = 'replaced'
        Write-Host "Replaced the settings of $Header in $AwsConfig (the old lines are shown above)."
    }
}

# --- Check the program, then Claude Code settings ----------------------------------------------

$Version = ''
$Runs = $false
try {
    $ErrorActionPreference = 'Continue'
    $Version = (& $Program --version 2>&1 | Out-String).Trim()
    $Runs = ($LASTEXITCODE -eq 0)
} catch {
    $Version = $_.Exception.Message
} finally {
    $ErrorActionPreference = 'Stop'
}
if (-not $Runs) {
    Warn "the installed program does not run here: $Version (if Windows Security blocked it, ask your administrator)"
    $Version = 'does not run (see the warning above)'
}

# The program merges the settings as JSON (every other setting is kept, a backup is written) and
# records what it changed, so ccwb cleanup can take exactly that out again.
$SettingsArgs = @('--install-claude-settings', '--profile', $ProfileName)
if ($Managed) {
    $SettingsArgs += @('--managed', '--aws-config-file', $AwsConfig)
    $Settings = Join-Path $env:ProgramFiles 'ClaudeCode\managed-settings.json'
} elseif ($env:CLAUDE_CONFIG_DIR) {
    $SettingsArgs += @('--settings-file', $Settings)
}
if (-not $Runs) {
    $SettingsResult = 'not changed: the program does not run here'
} else {
    $ErrorActionPreference = 'Continue'
    $Report = (& $Program @SettingsArgs | Out-String).Trim()
    $Merged = ($LASTEXITCODE -eq 0)
    $ErrorActionPreference = 'Stop'
    if (-not $Merged) {
        Fail 'the Claude Code settings were not changed (the reason is above). The program and AWS profile are installed; fix that and run install.ps1 again.'
    }
    Write-Host $Report
    $SettingsResult = if ($Managed) { 'managed settings' } else { 'merged' }
}

Write-Host @"

Claude Code with Amazon Bedrock is set up:
  program       $Program ($Version)
  config        $(Join-Path $InstallDir 'config.json')
  AWS profile   $ProfileName in $AwsConfig ($AwsResult)
  Claude Code   $Settings ($SettingsResult)

Next: open a new terminal and run  aws sts get-caller-identity --profile $ProfileName  (the first
time, a browser window opens for you to sign in), or simply start  claude
"@
if (-not (Get-Command claude -ErrorAction SilentlyContinue)) {
    Write-Host 'Claude Code (claude) is not on your PATH yet: install it first.'
}
exit 0
