//! Taking the installer's profile out of an AWS config file, and nothing else: only a section
//! that runs this installation's program is ours.

/// `[profile NAME]`, or `[default]` for the default profile.
pub fn section_name(profile: &str) -> String {
    if profile == "default" {
        "[default]".into()
    } else {
        format!("[profile {profile}]")
    }
}

/// What removing a profile from an AWS config found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removal {
    /// No such section.
    Absent,
    /// A section whose `credential_process` is something else (shown).
    NotOurs(String),
    /// The config without the section(s).
    Removed(String),
}

/// Removes every `profile` section of an AWS config whose `credential_process` runs `program`
/// (as install.sh and install.ps1 write it). Comment lines inside the section are kept (they
/// may describe the next one), as is everything outside it, byte for byte.
pub fn remove_profile(config: &str, profile: &str, program: &str) -> Removal {
    let ours = |line: &str| {
        let inner = line.trim().trim_start_matches('[');
        let inner = inner.split(']').next().unwrap_or_default();
        let words: Vec<&str> = inner.split_whitespace().collect();
        words == ["profile", profile] || (profile == "default" && words == ["default"])
    };
    let lines: Vec<&str> = config.split_inclusive('\n').collect();
    // The sections: (first line, end line exclusive).
    let mut sections = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_start().starts_with('[') && ours(lines[i]) {
            let end = (i + 1..lines.len())
                .find(|j| lines[*j].trim_start().starts_with('['))
                .unwrap_or(lines.len());
            sections.push((i, end));
            i = end;
        } else {
            i += 1;
        }
    }
    if sections.is_empty() {
        return Removal::Absent;
    }
    for (start, end) in &sections {
        let command = lines[*start + 1..*end].iter().find_map(|line| {
            let (key, value) = line.split_once('=')?;
            (key.trim() == "credential_process").then(|| value.trim().to_owned())
        });
        match command {
            Some(command) if command.contains(program) => {}
            Some(command) => return Removal::NotOurs(command),
            None => return Removal::NotOurs("no credential_process".into()),
        }
    }
    let mut out = String::new();
    let mut last_end = 0;
    for (start, end) in &sections {
        for line in &lines[last_end..*start] {
            out.push_str(line);
        }
        for line in &lines[*start + 1..*end] {
            let t = line.trim();
            if t.starts_with('#') || t.starts_with(';') {
                out.push_str(line);
            }
        }
        last_end = *end;
    }
    for line in &lines[last_end..] {
        out.push_str(line);
    }
    // The blank line the installer put before a section it appended at the end goes too.
    if sections.last().is_some_and(|(_, end)| *end == lines.len()) {
        let kept = out.trim_end().len();
        out.truncate(kept);
        if !out.is_empty() {
            out.push('\n');
        }
    }
    Removal::Removed(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROGRAM: &str = "/home/dev/claude-code-with-bedrock/credential-process";

    #[test]
    fn only_our_section_goes_and_everything_else_stays_byte_for_byte() {
        let before =
            "[default]\nregion = us-east-1\n\n# work account\n[profile work]\nregion = eu-west-1\n";
        let ours = format!(
            "\n[profile ClaudeCode]\ncredential_process = \"{PROGRAM}\" --profile ClaudeCode\nregion = eu-west-1\n"
        );
        // Appended at the end, as install.sh appends it.
        assert_eq!(
            remove_profile(&format!("{before}{ours}"), "ClaudeCode", PROGRAM),
            Removal::Removed(before.to_owned())
        );
        // In the middle, with a comment that describes the next section.
        let middle = format!(
            "[profile ClaudeCode]\ncredential_process = {PROGRAM} --profile ClaudeCode\n# work account\n[profile work]\nregion = eu-west-1\n"
        );
        assert_eq!(
            remove_profile(&middle, "ClaudeCode", PROGRAM),
            Removal::Removed("# work account\n[profile work]\nregion = eu-west-1\n".into())
        );
        // Alone: nothing is left.
        assert_eq!(
            remove_profile(ours.trim_start(), "ClaudeCode", PROGRAM),
            Removal::Removed(String::new())
        );
        assert_eq!(
            remove_profile(before, "ClaudeCode", PROGRAM),
            Removal::Absent
        );
    }

    #[test]
    fn a_section_running_something_else_is_not_ours() {
        let config = "[profile ClaudeCode]\ncredential_process = /opt/other/helper\n";
        assert_eq!(
            remove_profile(config, "ClaudeCode", PROGRAM),
            Removal::NotOurs("/opt/other/helper".into())
        );
        let sso = "[ profile  ClaudeCode ]\nsso_session = corp\n";
        assert!(matches!(
            remove_profile(sso, "ClaudeCode", PROGRAM),
            Removal::NotOurs(_)
        ));
        let default = format!("[default]\ncredential_process = {PROGRAM} --profile default\n");
        assert_eq!(
            remove_profile(&default, "default", PROGRAM),
            Removal::Removed(String::new())
        );
    }
}
