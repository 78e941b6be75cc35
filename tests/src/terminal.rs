//! A program in a real terminal (tmux): keys sent as a person types them, the screen read back,
//! for wizards and full-screen programs.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A tmux session running one program, killed when dropped.
pub struct Terminal {
    session: String,
}

fn tmux(args: &[&str]) -> Output {
    Command::new("tmux")
        .args(args)
        .output()
        .expect("run tmux (apt-get install tmux)")
}

/// `text` as one shell word.
pub fn shell_word(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

impl Terminal {
    /// Starts `program args…` in `dir` with exactly `env` (nothing inherited), in a 120×40
    /// terminal. The pane stays after the program exits, so its last screen can be read.
    pub fn start(program: &Path, args: &[&str], env: &[(&str, &str)], dir: &Path) -> Self {
        let session = format!("ccwb-{}", uuid::Uuid::new_v4().simple());
        let vars: Vec<String> = env
            .iter()
            .map(|(k, v)| shell_word(&format!("{k}={v}")))
            .collect();
        let words: Vec<String> = args.iter().map(|a| shell_word(a)).collect();
        let script = format!(
            "cd {} && env -i {} {} {}; echo \"[exit $?]\"; sleep 600",
            shell_word(&dir.display().to_string()),
            vars.join(" "),
            shell_word(&program.display().to_string()),
            words.join(" ")
        );
        let started = tmux(&[
            "new-session",
            "-d",
            "-s",
            &session,
            "-x",
            "120",
            "-y",
            "40",
            &script,
        ]);
        assert!(started.status.success(), "{started:?}");
        Self { session }
    }

    /// What the terminal shows now.
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", &self.session]).stdout)
            .into_owned()
    }

    /// Waits (up to 30 s) until the screen shows `needle`; the screen then.
    pub fn wait_for(&self, needle: &str) -> String {
        self.wait_for_within(needle, Duration::from_secs(30))
    }

    /// Waits up to `limit` until the screen shows `needle`; the screen then.
    pub fn wait_for_within(&self, needle: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let screen = self.screen();
            if screen.contains(needle) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "{needle:?} never showed on the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends tmux key names (`Enter`, `Down`) or literal text.
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend_from_slice(keys);
        let sent = tmux(&args);
        assert!(sent.status.success(), "{sent:?}");
    }

    /// Waits for `prompt`, then types `text` (literally) and Enter.
    pub fn answer(&self, prompt: &str, text: &str) {
        self.wait_for(prompt);
        if !text.is_empty() {
            let sent = tmux(&["send-keys", "-t", &self.session, "-l", text]);
            assert!(sent.status.success(), "{sent:?}");
        }
        self.keys(&["Enter"]);
    }

    /// The program's exit code, once it has exited (waits up to 30 s).
    pub fn exit_code(&self) -> i32 {
        let screen = self.wait_for("[exit ");
        let code = screen
            .rsplit_once("[exit ")
            .and_then(|(_, rest)| rest.split(']').next())
            .and_then(|n| n.trim().parse().ok());
        code.unwrap_or_else(|| panic!("no exit code on the screen:\n{screen}"))
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        tmux(&["kill-session", "-t", &self.session]);
    }
}
