//! The `ccwb` binary against the local stack: every command, exit codes 0/1/2, and what it prints.

// Dependencies are judged on the library target; this test uses only some of them.
#![allow(unused_crate_dependencies)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use ccwb_e2e::cli::{Ccwb, Run};
use ccwb_e2e::process::under_umask;
use ccwb_e2e::{Local, assert_contains, free_port};
#[cfg(unix)]
use ccwb_e2e::{assert_mode, mode};
use serde_json::{Value, json};

#[test]
fn whoami_prints_the_caller_as_json_and_as_a_table() {
    let local = Local::start();
    let token = local.token("Ann@Example.com", &["ccwb-admins"]);
    let ccwb = Ccwb::with_token(&local.url, &token);
    let me = ccwb.ok(&["whoami", "--output", "json"]).json();
    assert_eq!(
        me,
        json!({"identity": "ann@example.com", "groups": ["ccwb-admins"], "admin": true})
    );
    let table = ccwb.ok(&["whoami"]).stdout;
    assert!(
        table.contains("ann@example.com") && table.contains("yes"),
        "{table}"
    );
    assert!(!table.contains(&token), "the token is never printed");
}

#[test]
fn failures_exit_1_with_an_error_line_and_a_hint() {
    let local = Local::start();
    let mut ccwb = Ccwb::new();
    ccwb.endpoint = Some(local.url.clone());
    let run = ccwb.run(&["whoami"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.starts_with("Error: not signed in"),
        "{}",
        run.stderr
    );
    ccwb_e2e::assert_contains(&run.stderr, &["hint: run `ccwb login`"]);

    let run = Ccwb::with_token(&local.url, "garbage").run(&["whoami"]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("401"), "{}", run.stderr);

    let dead = format!("http://127.0.0.1:{}", free_port());
    let run = Ccwb::with_token(&dead, "x").run(&["whoami"]);
    assert_eq!(run.code, Some(1));
    assert_contains(&run.stderr, &["cannot reach the API"]);

    let run = Ccwb::new().run(&["whoami"]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("--endpoint"), "{}", run.stderr);
}

#[test]
fn usage_errors_exit_2_and_completions_print_a_script() {
    let ccwb = Ccwb::new();
    for args in [
        vec!["whoami", "--output", "yaml"],
        vec!["quota", "set-user", "a@x.io", "-m", "12X"],
        vec!["quota", "set-user", "a@x.io", "--budget", "1.005"],
        vec!["quota", "set-user", "a@x.io", "-e", "warn"],
        vec!["quota", "import", "f.csv", "--burst", "20"],
        vec!["quota", "import", "f.csv", "--auto-daily", "--burst", "101"],
        vec!["quota", "delete", "robot", "x"],
        vec!["quota", "set-user", "a@x.io", "--enabled", "--disabled"],
    ] {
        let run = ccwb.run(&args);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
    }
    let script = ccwb.ok(&["completions", "bash"]).stdout;
    assert!(
        script.contains("complete") && script.contains("set-user"),
        "{script}"
    );
}

#[test]
fn set_commands_create_then_change_only_what_was_given() {
    let local = Local::start();
    let ccwb = Ccwb::with_token(&local.url, &local.admin_token());
    let created = ccwb
        .ok(&[
            "-o",
            "json",
            "quota",
            "set-user",
            "Bob@X.io",
            "-m",
            "300M",
            "-d",
            "15M",
            "-e",
            "block",
            "--daily-enforcement",
            "alert",
            "--budget",
            "250",
            "--daily-budget",
            "12.50",
        ])
        .json();
    assert_eq!(created["identifier"], "bob@x.io");
    assert_eq!(created["monthly_token_limit"], 300_000_000);
    assert_eq!(created["daily_token_limit"], 15_000_000);
    assert_eq!(created["monthly_cost_limit"], 250.0);
    assert_eq!(created["daily_cost_limit"], 12.5);
    assert_eq!(
        (
            created["enforcement_mode"].as_str(),
            created["daily_enforcement_mode"].as_str()
        ),
        (Some("block"), Some("alert"))
    );

    let changed = ccwb.json(&[
        "quota",
        "set-user",
        "bob@x.io",
        "--clear-daily",
        "--disabled",
    ]);
    assert_eq!(changed["daily_token_limit"], Value::Null);
    assert_eq!(changed["enabled"], false);
    assert_eq!(changed["monthly_token_limit"], 300_000_000, "untouched");
    assert_eq!(changed["version"], 2);
    let policy = ccwb.json(&["quota", "set-user", "bob@x.io", "--clear-cost", "--enabled"]);
    assert_eq!(policy["monthly_cost_limit"], Value::Null);
    assert_eq!(policy["daily_cost_limit"], Value::Null);
    assert_eq!(policy["enabled"], true);
    let run = ccwb.run(&[
        "quota",
        "set-user",
        "bob@x.io",
        "--clear-cost",
        "--budget",
        "5",
    ]);
    assert_eq!(run.code, Some(2), "conflicting flags: {}", run.stderr);

    let run = ccwb.run(&["quota", "set-user", "bob@x.io"]);
    assert_eq!(run.code, Some(2), "nothing to change: {}", run.stderr);

    ccwb.ok(&["quota", "set-group", "eng", "-m", "1.5B", "-e", "block"]);
    ccwb.ok(&["quota", "set-default", "-m", "100M"]);
    let listed = ccwb.ok(&["-o", "json", "quota", "list"]).json();
    let ids: Vec<&str> = listed["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["identifier"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["bob@x.io", "eng", "default"]);
    let groups = ccwb
        .ok(&["-o", "json", "quota", "list", "--type", "group"])
        .json();
    assert_eq!(groups["policies"].as_array().unwrap().len(), 1);
    let table = ccwb.ok(&["quota", "list"]).stdout;
    assert!(
        table.contains("1.5B") && table.contains("100M") && table.contains("block/block"),
        "{table}"
    );

    let shown = ccwb
        .ok(&[
            "-o",
            "json",
            "quota",
            "show",
            "carol@x.io",
            "--groups",
            "eng,ops",
        ])
        .json();
    assert_eq!(shown["effective"]["identifier"], "eng");
    let text = ccwb
        .ok(&["quota", "show", "carol@x.io", "--groups", "eng"])
        .stdout;
    assert!(text.contains("Group policy \"eng\" applies"), "{text}");

    // Delete without a terminal needs no confirmation; deleting again fails with exit 1.
    ccwb.ok(&["quota", "delete", "group", "eng"]);
    let run = ccwb.run(&["quota", "delete", "group", "eng", "--force"]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("no group policy"), "{}", run.stderr);
}

#[test]
fn non_admins_get_a_clear_403() {
    let local = Local::start();
    let ccwb = Ccwb::with_token(&local.url, &local.token("dev@example.com", &["eng"]));
    let run = ccwb.run(&["quota", "list"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("forbidden (403)") && run.stderr.contains("admin group"),
        "{}",
        run.stderr
    );
    // Everyone may see their own status.
    let status = ccwb.ok(&["-o", "json", "quota", "status"]).json();
    assert_eq!(status["reason"], "no_policy");
}

#[test]
fn status_and_usage_show_numbers() {
    let local = Local::start();
    let admin = Ccwb::with_token(&local.url, &local.admin_token());
    admin.ok(&["quota", "set-default", "-m", "1K", "-e", "block"]);
    let now = time::OffsetDateTime::now_utc();
    let month = format!("MONTH#{:04}-{:02}", now.year(), now.month() as u8);
    // Costs to the micro-dollar (what ingest counts), ours and what Claude Code reported.
    tokio_run(local.put_item(
        &local.usage_table(),
        json!({"pk": {"S": "USER#dev@example.com"}, "sk": {"S": month},
               "total_tokens": {"N": "1500"}, "cost_micros": {"N": "3003600"},
               "claude_code_cost_micros": {"N": "2876543"},
               "model#claude-opus-5-5#output_tokens": {"N": "1500"},
               "model#claude-opus-5-5#cost_micros": {"N": "3003600"},
               "model#claude-opus-5-5#claude_code_cost_micros": {"N": "2876543"}}),
    ));
    let user = Ccwb::with_token(&local.url, &local.token("dev@example.com", &[]));
    let text = user.ok(&["quota", "status"]).stdout;
    assert!(
        text.contains("BLOCKED") && text.contains("1.5K of 1K (150.0%)"),
        "{text}"
    );
    let usage = admin
        .ok(&["-o", "json", "quota", "usage", "dev@example.com"])
        .json();
    assert_eq!(usage["month"]["total_tokens"], 1500);
    assert_eq!(usage["month"]["cost"], 3.0036);
    assert_eq!(usage["month"]["claude_code_cost"], 2.876543);
    let table = admin.ok(&["quota", "usage", "dev@example.com"]).stdout;
    assert!(table.contains("$3.00"), "{table}");
    assert!(table.contains("CLAUDE CODE"), "{table}");
    let model_row = table
        .lines()
        .find(|l| l.trim_start().starts_with("claude-opus-5-5"))
        .unwrap_or_else(|| panic!("no model row: {table}"));
    assert!(
        model_row.contains("$3.00") && model_row.contains("$2.88"),
        "{model_row}"
    );
    assert!(
        table.contains("Claude Code reports $2.88 this month and $0.00 today"),
        "{table}"
    );
}

fn tokio_run<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

#[test]
fn export_then_import_round_trips_every_value() {
    let source = Local::start();
    let admin = Ccwb::with_token(&source.url, &source.admin_token());
    admin.ok(&[
        "quota",
        "set-user",
        "a@x.io",
        "-m",
        "1.234567M",
        "-d",
        "0",
        "--budget",
        "99.99",
        "-e",
        "block",
        "--disabled",
    ]);
    admin.ok(&[
        "quota",
        "set-group",
        "Team, \"Core\"",
        "-m",
        "2B",
        "--daily-budget",
        "0.05",
        "--daily-enforcement",
        "block",
    ]);
    admin.ok(&["quota", "set-default", "-m", "100M"]);
    let dir = ccwb_e2e::temp_dir("export");
    let target = Local::start();
    let target_admin = Ccwb::with_token(&target.url, &target.admin_token());
    for name in ["policies.json", "policies.csv"] {
        let path = dir.join(name);
        let path = path.to_str().unwrap();
        admin.ok(&["quota", "export", path]);
        target_admin.ok(&["quota", "import", path, "--update"]);
    }
    let strip = |v: Value| -> Vec<Value> {
        v["policies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let mut p = p.clone();
                for key in ["version", "created_at", "updated_at", "updated_by"] {
                    p.as_object_mut().unwrap().remove(key);
                }
                p
            })
            .collect()
    };
    let before = strip(admin.ok(&["-o", "json", "quota", "list"]).json());
    let after = strip(target_admin.ok(&["-o", "json", "quota", "list"]).json());
    assert_eq!(before, after);
    assert_eq!(before.len(), 3);

    let stdout = admin
        .ok(&[
            "quota", "export", "--stdout", "--format", "csv", "--type", "user",
        ])
        .stdout;
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(
        stdout.contains(r#""a@x.io","1.234567M","0","99.99","","block","block","false""#),
        "{stdout}"
    );
}

/// Identifiers a spreadsheet would run as formulas (OWASP "CSV Injection"), one that really starts
/// with the escape mark, and ones that only look harmless.
const FORMULA_IDENTIFIERS: [(&str, &str); 9] = [
    ("user", "=cmd|' /c calc'!a0@x.io"),
    ("user", "@sum(1+1)@x.io"),
    ("group", "+1+2"),
    ("group", "-2+3"),
    ("group", "=HYPERLINK(\"http://x.invalid\",\"y\")"),
    ("group", "'quoted"),
    ("group", "''=twice"),
    ("group", "a;=1+2"),
    ("group", "plain"),
];

#[test]
fn csv_export_neutralises_formulas_and_import_reads_them_back_unchanged() {
    let source = Local::start();
    let admin = Ccwb::with_token(&source.url, &source.admin_token());
    let dir = ccwb_e2e::temp_dir("csv-injection");
    let seed = dir.join("seed.json");
    let policies: Vec<Value> = FORMULA_IDENTIFIERS
        .iter()
        .map(|(kind, id)| json!({"type": kind, "identifier": id, "monthly_token_limit": "5M"}))
        .collect();
    std::fs::write(&seed, json!({ "policies": policies }).to_string()).unwrap();
    admin.ok(&["quota", "import", seed.to_str().unwrap()]);

    let csv_path = dir.join("policies.csv");
    let csv_path = csv_path.to_str().unwrap();
    admin.ok(&["quota", "export", csv_path]);
    let text = std::fs::read_to_string(csv_path).unwrap();

    // What a spreadsheet sees: no cell starts a formula, and every cell is quoted, so a `;` in a
    // cell cannot start a new one where `;` is the list separator.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let cells: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    for cell in cells.iter().flatten() {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{cell:?} would run as a formula:\n{text}"
        );
    }
    for line in text.lines() {
        assert!(
            line.starts_with('"') && line.ends_with('"'),
            "every cell is quoted: {line}"
        );
    }
    let exported: Vec<&str> = cells.iter().skip(1).map(|row| row[1].as_str()).collect();
    for (_, id) in FORMULA_IDENTIFIERS {
        let expected = if id.starts_with(['=', '+', '-', '@', '\'']) {
            format!("'{id}")
        } else {
            id.to_owned()
        };
        assert!(
            exported.contains(&expected.as_str()),
            "{id:?} exported as {expected:?}:\n{text}"
        );
    }

    // Imported elsewhere, the file gives exactly the original identifiers and settings back.
    let target = Local::start();
    let target_admin = Ccwb::with_token(&target.url, &target.admin_token());
    target_admin.ok(&["quota", "import", csv_path]);
    let identifiers = |ccwb: &Ccwb| -> Vec<Value> {
        ccwb.ok(&["-o", "json", "quota", "list"]).json()["policies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| json!([p["type"], p["identifier"], p["monthly_token_limit"]]))
            .collect()
    };
    let before = identifiers(&admin);
    assert_eq!(before.len(), FORMULA_IDENTIFIERS.len());
    assert!(
        before.contains(&json!(["group", "'quoted", 5_000_000])),
        "{before:?}"
    );
    assert_eq!(identifiers(&target_admin), before);
}

#[test]
fn import_reports_rows_by_file_line_and_honours_its_options() {
    let local = Local::start();
    let admin = Ccwb::with_token(&local.url, &local.admin_token());
    admin.ok(&["quota", "set-group", "existing", "-m", "5"]);
    let dir = ccwb_e2e::temp_dir("import");
    let file = dir.join("mixed.csv");
    std::fs::write(
        &file,
        "\u{feff}type,identifier,monthly_token_limit,daily_token_limit,enforcement_mode\n\
         user,one@x.io,300M,,block\n\
         group,existing,7,,\n\
         user,two@x.io,12X,,\n\
         group,fresh,1B,,alert\n\
         user,three@x.io,30M,1M,\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();

    let dry = admin.run(&["-o", "json", "quota", "import", path, "--dry-run"]);
    assert_eq!(dry.code, Some(1), "errors make the exit code 1");
    assert_eq!(
        dry.json()["totals"],
        json!({"created": 3, "updated": 0, "skipped": 0, "errors": 2})
    );
    assert_eq!(
        admin.ok(&["-o", "json", "quota", "list"]).json()["policies"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let run = admin.run(&["quota", "import", path, "--auto-daily", "--burst", "20"]);
    assert_eq!(run.code, Some(1));
    ccwb_e2e::assert_contains(
        &run.stdout,
        &[
            "row 4: monthly_token_limit",
            "row 3: group existing: already exists",
        ],
    );
    assert!(run.stdout.contains("3 created"), "{}", run.stdout);
    let one = admin
        .ok(&["-o", "json", "quota", "list", "-t", "user"])
        .json();
    let daily: Vec<Value> = one["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["daily_token_limit"].clone())
        .collect();
    // one: 300M / 30 × 1.2 = 12M; three kept its own 1M.
    assert_eq!(daily, [json!(12_000_000), json!(1_000_000)]);

    let run = admin.run(&[
        "quota",
        "import",
        path,
        "--skip-existing",
        "--type",
        "group",
    ]);
    assert_contains(&run.stdout, &["0 created, 0 updated, 2 skipped"]);
    let run = admin.run(&[
        "-o", "json", "quota", "import", path, "--update", "--type", "group",
    ]);
    assert_eq!(run.json()["totals"]["updated"], 2);
    let existing = admin
        .ok(&["-o", "json", "quota", "list", "-t", "group"])
        .json();
    assert_eq!(existing["policies"][0]["monthly_token_limit"], 7);

    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "type,identifier,monthly\nuser,a,1\n").unwrap();
    let run = admin.run(&["quota", "import", bad.to_str().unwrap()]);
    assert_eq!(run.code, Some(1));
    assert_contains(&run.stderr, &["unknown column \"monthly\""]);
    let run = admin.run(&[
        "quota",
        "import",
        dir.join("policies.txt").to_str().unwrap(),
    ]);
    assert_eq!(run.code, Some(2));
}

#[test]
fn contexts_and_config_manage_profiles() {
    let ccwb = Ccwb::new();
    ccwb.ok(&[
        "context",
        "create",
        "prod",
        "--endpoint",
        "https://api.example.com",
        "--issuer",
        "https://idp.example.com",
        "--client-id",
        "cli",
        "--region",
        "eu-west-1",
    ]);
    ccwb.ok(&[
        "context",
        "create",
        "local",
        "--endpoint",
        "http://127.0.0.1:8787",
        "--no-use",
    ]);
    assert_eq!(ccwb.ok(&["context", "current"]).stdout.trim(), "prod");
    let list = ccwb.ok(&["context", "list"]).stdout;
    assert!(list.contains("* ") || list.contains(" *"), "{list}");
    ccwb.ok(&["context", "use", "local"]);
    assert_eq!(ccwb.ok(&["context", "current"]).stdout.trim(), "local");
    let shown = ccwb.ok(&["-o", "json", "context", "show", "prod"]).json();
    assert_eq!(shown["region"], "eu-west-1");
    let run = ccwb.run(&["context", "use", "nope"]);
    assert_eq!(run.code, Some(1));
    for (name, endpoint, why) in [
        ("bad name", "https://x.example.com", "no spaces in a name"),
        (
            "plain",
            "http://api.example.com",
            "plain http only on loopback",
        ),
    ] {
        let run = ccwb.run(&["context", "create", name, "--endpoint", endpoint]);
        assert_eq!(run.code, Some(2), "{why}: {}", run.stderr);
    }

    // A secret added by hand is left out of exports unless asked for.
    let config_path = ccwb.config_dir.join("config.json");
    let mut config: Value =
        serde_json::from_str(&std::fs::read_to_string(&config_path).unwrap()).unwrap();
    config["profiles"]["prod"]["client_secret"] = json!("s3cret");
    std::fs::write(&config_path, config.to_string()).unwrap();
    let exported = ccwb.ok(&["config", "export"]).stdout;
    assert!(
        !exported.contains("s3cret") && exported.contains("prod"),
        "{exported}"
    );
    assert!(
        ccwb.ok(&["config", "export", "prod", "--include-secrets"])
            .stdout
            .contains("s3cret")
    );
    assert!(
        !ccwb
            .ok(&["context", "show", "prod"])
            .stdout
            .contains("s3cret"),
        "secrets are masked"
    );

    let other = Ccwb::new();
    let file = other.config_dir.join("import.json");
    std::fs::write(&file, &exported).unwrap();
    other.ok(&["config", "import", file.to_str().unwrap()]);
    let run = other.run(&["config", "import", file.to_str().unwrap()]);
    assert_eq!(run.code, Some(2), "existing profiles need --force");
    other.ok(&["config", "import", file.to_str().unwrap(), "--force"]);
    assert_eq!(
        other.ok(&["-o", "json", "context", "list"]).json()["profiles"]
            .as_object()
            .unwrap()
            .len(),
        2
    );

    // The local profile without an issuer is valid; prod's issuer does not answer.
    other.ok(&["config", "validate", "local"]);
    let run = other.run(&["config", "validate", "all"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stdout.contains("local: ok") && run.stdout.contains("prod: issuer"),
        "{}",
        run.stdout
    );

    ccwb.ok(&["context", "delete", "prod"]);
    assert!(!ccwb.ok(&["context", "list"]).stdout.contains("prod"));
}

/// Plays the browser for `ccwb login --no-browser`: opens the printed address, follows the
/// dev issuer's redirect to the CLI's loopback listener, after first knocking with a wrong state.
fn sign_in(ccwb: &Ccwb) -> std::process::ExitStatus {
    sign_in_with(ccwb.command(&["login", "--no-browser"])).0
}

/// [`sign_in`] with `login` as given (`ccwb login --no-browser`, perhaps under another umask);
/// returns its exit status and everything it wrote on stderr.
fn sign_in_with(mut login: Command) -> (std::process::ExitStatus, String) {
    let mut child = login
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn login");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let mut printed = String::new();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            printed.push_str(&line);
            printed.push('\n');
            line.trim()
                .starts_with("http")
                .then(|| line.trim().to_owned())
        })
        .expect("sign-in address on stderr");
    let client = reqwest::blocking_free_client();
    let location = client(&url, false);
    let callback = url::Url::parse(&location).expect("redirect");
    let mut wrong = callback.clone();
    wrong.set_query(Some("code=x&state=wrong"));
    assert!(client(wrong.as_str(), true).contains("not the sign-in you started"));
    assert!(client(callback.as_str(), true).contains("Signed in"));
    for line in lines.map_while(Result::ok) {
        printed.push_str(&line);
        printed.push('\n');
    }
    (child.wait().expect("login exit"), printed)
}

mod reqwest {
    /// A small blocking GET (no redirects) on a private runtime: returns the Location header, or
    /// the body when `body` is true.
    pub fn blocking_free_client() -> impl Fn(&str, bool) -> String {
        |url: &str, body: bool| {
            let url = url.to_owned();
            std::thread::spawn(move || {
                super::tokio_run(async move {
                    let client = ::reqwest::Client::builder()
                        .redirect(::reqwest::redirect::Policy::none())
                        .build()
                        .unwrap();
                    let response = client.get(&url).send().await.expect("GET");
                    if body {
                        response.text().await.unwrap_or_default()
                    } else {
                        response
                            .headers()
                            .get("location")
                            .and_then(|l| l.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    }
                })
            })
            .join()
            .expect("request thread")
        }
    }
}

#[test]
fn login_stores_a_session_that_refreshes_and_logout_forgets_it() {
    let local = Local::start();
    let ccwb = Ccwb::new();
    ccwb.create_context("local", &local.url, &local.url, "ccwb-local", None);
    assert!(sign_in(&ccwb).success());
    let me = ccwb.ok(&["-o", "json", "whoami"]).json();
    assert_eq!(
        me,
        json!({"identity": "dev@example.com", "groups": ["ccwb-admins"], "admin": true})
    );

    // Stored tokens are private to the user, and an expired id token is refreshed.
    let tokens_path = ccwb.config_dir.join("tokens").join("local.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&tokens_path)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let mut stored: Value =
        serde_json::from_str(&std::fs::read_to_string(&tokens_path).unwrap()).unwrap();
    let old_id_token = stored["id_token"].clone();
    stored["expires_at"] = json!(0);
    std::fs::write(&tokens_path, stored.to_string()).unwrap();
    ccwb.ok(&["quota", "list"]);
    let refreshed: Value =
        serde_json::from_str(&std::fs::read_to_string(&tokens_path).unwrap()).unwrap();
    assert_ne!(refreshed["id_token"], old_id_token);
    assert!(refreshed["expires_at"].as_i64().unwrap() > 0);

    ccwb.ok(&["logout"]);
    let run = ccwb.run(&["whoami"]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("not signed in"), "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn login_under_umask_000_keeps_the_config_and_token_directories_private() {
    let local = Local::start();
    let home = ccwb_e2e::temp_dir("umask");
    let ccwb = Ccwb {
        config_dir: home.join("config").join("ccwb"),
        endpoint: None,
        token: None,
    };
    let create = ccwb.command(&[
        "context",
        "create",
        "local",
        "--endpoint",
        &local.url,
        "--issuer",
        &local.url,
        "--client-id",
        "ccwb-local",
    ]);
    let run: Run = under_umask(&create, "000").output().unwrap().into();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let (status, stderr) = sign_in_with(under_umask(
        &ccwb.command(&["login", "--no-browser"]),
        "000",
    ));
    assert!(status.success(), "{stderr}");

    // Every directory ccwb made is the user's alone, whatever the umask; the files are 0600.
    let tokens = ccwb.config_dir.join("tokens");
    for dir in [home.join("config"), ccwb.config_dir.clone(), tokens.clone()] {
        assert_mode(&dir, 0o700);
    }
    for file in [
        ccwb.config_dir.join("config.json"),
        tokens.join("local.json"),
    ] {
        assert_mode(&file, 0o600);
    }
    assert!(!stderr.contains("Warning"), "{stderr}");

    // A token directory others can write to (as an earlier ccwb left it under umask 000) is
    // made private again at the next sign-in, and ccwb says so.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&tokens, std::fs::Permissions::from_mode(0o777)).unwrap();
    let (status, stderr) = sign_in_with(under_umask(
        &ccwb.command(&["login", "--no-browser"]),
        "000",
    ));
    assert!(status.success(), "{stderr}");
    assert_eq!(mode(&tokens), 0o700);
    assert!(
        stderr.contains(&format!("Warning: {}", tokens.display())) && stderr.contains("0777"),
        "{stderr}"
    );

    // One others can only read is left as it is: the files in it are 0600.
    std::fs::set_permissions(&tokens, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(sign_in(&ccwb).success());
    assert_eq!(mode(&tokens), 0o755);
    assert_eq!(mode(&tokens.join("local.json")), 0o600);
}
