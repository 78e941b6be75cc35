//! Child processes that cannot outlive the test process.
//!
//! Children are started from one long-lived thread with `PR_SET_PDEATHSIG`, so the kernel kills
//! them when the test process exits for any reason (a panic, `cargo test` finishing, a kill).
//! The signal fires when the *thread* that forked them ends, hence the dedicated thread.

use std::io::{self, BufRead};
use std::process::{Child, Command};
use std::sync::mpsc::{self, Sender, channel};
use std::sync::{Mutex, OnceLock};

type Job = (Command, Sender<io::Result<Child>>);

/// Starts `command` so that it dies with the test process.
pub fn spawn_supervised(command: Command) -> io::Result<Child> {
    static SPAWNER: OnceLock<Mutex<Sender<Job>>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let (tx, rx) = channel::<Job>();
        std::thread::spawn(move || {
            for (mut command, reply) in rx {
                let _ = reply.send(spawn_with_parent_death_signal(&mut command));
            }
        });
        Mutex::new(tx)
    });
    let (reply, result) = channel();
    spawner
        .lock()
        .map_err(|_| io::Error::other("spawner poisoned"))?
        .send((command, reply))
        .map_err(|_| io::Error::other("spawner gone"))?;
    result
        .recv()
        .map_err(|_| io::Error::other("spawner gone"))?
}

#[cfg(target_os = "linux")]
fn spawn_with_parent_death_signal(command: &mut Command) -> io::Result<Child> {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    command.spawn()
}

#[cfg(not(target_os = "linux"))]
fn spawn_with_parent_death_signal(command: &mut Command) -> io::Result<Child> {
    command.spawn()
}

/// `command` run through `sh` under `umask` (such as `"000"`), with the same program, arguments,
/// environment and directory: how a user whose umask lets everyone write runs it. Standard
/// input and output are set on the result.
pub fn under_umask(command: &Command, umask: &str) -> Command {
    let mut wrapped = Command::new("sh");
    wrapped
        .arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
        .arg(command.get_program())
        .args(command.get_args());
    for (key, value) in command.get_envs() {
        match value {
            Some(value) => wrapped.env(key, value),
            None => wrapped.env_remove(key),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        wrapped.current_dir(dir);
    }
    wrapped
}

/// Reads `output` (a child's piped standard output) on a thread of its own and sends the rest of
/// every line that starts with `prefix`, such as the address in `ccwb-local ready on <url>`; the
/// rest of the output is read and dropped, so the child never blocks on a full pipe.
pub fn ready_lines(
    output: impl io::Read + Send + 'static,
    prefix: &'static str,
) -> mpsc::Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in io::BufReader::new(output).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix(prefix) {
                let _ = tx.send(rest.to_owned());
            }
        }
    });
    rx
}
