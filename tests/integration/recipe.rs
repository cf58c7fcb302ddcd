//! The production recipe's files (design §11) checked by their real validators:
//! the systemd units by `systemd-analyze`, the Kubernetes manifests by the
//! `kubernetes-validate` schemas, the Debian package's asset list against the
//! man pages and completions, and the many-hosts recipe against a real `sshd`
//! on loopback with monitoring-plugins' `check_by_ssh` as a probe and remote
//! workers' `tend audit emit` over ssh.

use std::io::Write;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{BIN, TestEnv, provision};

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn write_mode(path: &Path, content: &str, mode: u32) {
    std::fs::write(path, content).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Runs a command to completion: (exit code, stdout, stderr).
fn run(command: &mut Command) -> (i32, String, String) {
    let out = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

// ---------------------------------------------------------------- systemd

const UNITS: [&str; 4] = [
    "tend.service",
    "tend.timer",
    "tend-daily.service",
    "tend-daily.timer",
];

/// The units as shipped, with `/usr/bin/tend` replaced by the binary under
/// test (verify checks that `ExecStart=` names an executable), written to
/// `dir`. `edit` changes each unit's text first.
fn units_in(dir: &Path, edit: impl Fn(&str) -> String) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    UNITS
        .iter()
        .map(|name| {
            let text = read(&repo(&format!("contrib/systemd/{name}")));
            let path = dir.join(name);
            std::fs::write(&path, edit(&text).replace("/usr/bin/tend", BIN)).unwrap();
            path
        })
        .collect()
}

/// A `MANPATH` holding the repository's man pages, so that verify checks
/// every `Documentation=man:…` against a page that exists.
fn manpath(dir: &Path) -> PathBuf {
    let root = dir.join("man");
    for entry in std::fs::read_dir(repo("man")).unwrap() {
        let page = entry.unwrap().path();
        let Some(section) = page.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        let into = root.join(format!("man{section}"));
        std::fs::create_dir_all(&into).unwrap();
        std::fs::copy(&page, into.join(page.file_name().unwrap())).unwrap();
    }
    root
}

/// `systemd-analyze verify` on the units: exit 0 and not one line of output
/// (verify reports unknown keys and bad values as warnings and still exits 0).
fn verify(units: &[PathBuf], manpath: &Path) {
    let analyze = provision::tool("systemd-analyze");
    let (code, stdout, stderr) = run(Command::new(&analyze)
        .arg("verify")
        .args(units)
        .env("MANPATH", manpath)
        .env("SYSTEMD_PAGER", ""));
    assert!(
        code == 0 && stdout.is_empty() && stderr.is_empty(),
        "systemd-analyze verify {units:?}: exit {code}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
}

fn value_of<'a>(unit: &'a str, key: &str) -> Vec<&'a str> {
    unit.lines()
        .filter_map(|l| l.strip_prefix(key)?.strip_prefix('='))
        .collect()
}

#[test]
fn systemd_units_pass_systemd_analyze_verify() {
    let dir = tempfile::tempdir().unwrap();
    let man = manpath(dir.path());
    verify(&units_in(&dir.path().join("shipped"), str::to_string), &man);

    // The opt-in lines (credentials, the environment file) verify as well.
    let enabled = units_in(&dir.path().join("credentials"), |text| {
        text.replace("\n#LoadCredential=", "\nLoadCredential=")
            .replace("\n#Environment=", "\nEnvironment=")
            .replace("\n#EnvironmentFile=", "\nEnvironmentFile=")
    });
    let service = read(&enabled[0]);
    assert!(
        value_of(&service, "LoadCredential").len() >= 3,
        "no credential lines to enable in tend.service:\n{service}"
    );
    verify(&enabled, &man);

    // verify is strict here: a misspelt setting is output, so it fails.
    let typo = units_in(&dir.path().join("typo"), |text| {
        text.replace("ProtectSystem=strict", "ProtectSystem=strickt")
    });
    let (code, stdout, stderr) = run(Command::new(provision::tool("systemd-analyze"))
        .arg("verify")
        .args(&typo)
        .env("MANPATH", &man));
    assert!(
        stderr.contains("strickt"),
        "verify did not report a bad value: exit {code}\n{stdout}{stderr}"
    );
}

#[test]
fn systemd_services_are_hardened_oneshots_of_the_tend_user() {
    let dir = tempfile::tempdir().unwrap();
    let units = units_in(dir.path(), str::to_string);
    for service in [&units[0], &units[2]] {
        let text = read(service);
        for (key, want) in [
            ("Type", "oneshot"),
            ("User", "tend"),
            ("Environment", "TEND_ROOT=/var/lib/tend"),
            ("ProtectSystem", "strict"),
            ("ReadWritePaths", "/var/lib/tend"),
            ("NoNewPrivileges", "yes"),
            ("PrivateTmp", "yes"),
        ] {
            assert!(
                value_of(&text, key).contains(&want),
                "{}: no {key}={want}",
                service.display()
            );
        }
        // The exposure score systemd computes from the sandboxing settings:
        // 2.0 or less ("OK"; an unhardened service scores 9.6).
        let (code, stdout, stderr) = run(Command::new(provision::tool("systemd-analyze"))
            .args(["security", "--offline=yes", "--threshold=20", "--no-pager"])
            .arg(service));
        assert_eq!(
            code,
            0,
            "{} is exposed above 2.0:\n{}{stderr}",
            service.display(),
            stdout.lines().last().unwrap_or_default()
        );
    }
    // Installed, not enabled: each timer only names the target to enable it in.
    let tick = read(&units[1]);
    assert_eq!(value_of(&tick, "OnCalendar"), ["minutely"]);
    assert_eq!(value_of(&tick, "WantedBy"), ["timers.target"]);
    let daily = read(&units[3]);
    assert_eq!(value_of(&daily, "OnCalendar").len(), 1);
    let daily_service = read(&units[2]);
    let runs: Vec<&str> = value_of(&daily_service, "ExecStart");
    assert!(
        runs.iter().any(|r| r.contains("alerts digest"))
            && runs.iter().any(|r| r.contains("gc audit --keep-days")),
        "tend-daily.service runs {runs:?}"
    );
}

/// Every command line the units run is one `tend` accepts.
#[test]
fn systemd_units_run_commands_tend_accepts() {
    for name in ["tend.service", "tend-daily.service"] {
        let text = read(&repo(&format!("contrib/systemd/{name}")));
        for line in value_of(&text, "ExecStart") {
            let words: Vec<&str> = line.trim_start_matches('-').split_whitespace().collect();
            assert_eq!(words[0], "/usr/bin/tend", "{name}: {line}");
            let env = TestEnv::new();
            let mut args: Vec<&str> = words[1..].to_vec();
            args.push("--help");
            env.tend(&args).ok();
        }
    }
}

/// The credential lines of the units hand tend its secrets: systemd copies
/// each credential into `$CREDENTIALS_DIRECTORY` (`%d`), mode 0400, and the
/// `TEND_<SECTION>_<KEY>` variable points the `*_file` key at the copy.
#[test]
fn systemd_credentials_reach_tends_file_keys() {
    let text = read(&repo("contrib/systemd/tend.service"));
    let credentials: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("#LoadCredential="))
        .collect();
    let overlays: Vec<(&str, &str)> = text
        .lines()
        .filter_map(|l| l.strip_prefix("#Environment="))
        .filter_map(|l| l.split_once('='))
        .collect();
    assert!(!credentials.is_empty(), "no LoadCredential= lines");
    assert_eq!(
        credentials.len(),
        overlays.len(),
        "one variable per credential"
    );

    let mut env = TestEnv::new();
    let creds = env.dir().join("credentials");
    std::fs::create_dir(&creds).unwrap();
    for id in &credentials {
        write_mode(&creds.join(id), &format!("secret-{id}\n"), 0o400);
    }
    env.write(
        "tend.toml",
        "[operator]\nchannel = \"slack\"\n[slack]\nuser_id = \"U0123456\"\n",
    );
    for (var, value) in &overlays {
        let (dir, id) = value
            .split_once('/')
            .unwrap_or_else(|| panic!("{var}={value}: expected %d/<credential>"));
        assert_eq!(dir, "%d", "{var}={value}");
        assert!(credentials.contains(&id), "{var} names {id}, not loaded");
        assert!(
            var.starts_with("TEND_") && var.ends_with("_FILE"),
            "{var} is not a *_file overlay"
        );
        env.set_env(var, &creds.join(id).display().to_string());
    }
    env.tend(&["config", "check"]).ok();
    let shown = env.tend(&["config", "show"]).ok();
    let token = creds.join("tend.slack-token");
    assert!(
        shown
            .stdout
            .contains(&format!("token_file = \"{}\"", token.display())),
        "{}",
        shown.stdout
    );
}

// ---------------------------------------------------------------- Kubernetes

/// The manifests as JSON documents, read with the YAML parser the schema
/// validator uses.
fn manifests(python: &Path) -> Vec<Value> {
    let (code, stdout, stderr) = run(Command::new(python)
        .args([
            "-c",
            "import json, sys, yaml; json.dump(list(yaml.safe_load_all(open(sys.argv[1]))), sys.stdout)",
        ])
        .arg(repo("contrib/kubernetes/tend.yaml")));
    assert_eq!(code, 0, "cannot read tend.yaml: {stderr}");
    serde_json::from_str::<Vec<Value>>(&stdout).expect("JSON documents")
}

fn by_kind<'a>(docs: &'a [Value], kind: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in tend.yaml"))
}

#[test]
fn kubernetes_manifests_pass_the_schemas() {
    let python = provision::python();
    // kubernetes-validate ships the schemas; any attempt to fetch one would
    // go to a proxy that refuses it.
    let (code, stdout, stderr) = run(Command::new(&python)
        .args(["-m", "kubernetes_validate", "--strict"])
        .arg(repo("contrib/kubernetes/tend.yaml"))
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("http_proxy", "http://127.0.0.1:9")
        .env("https_proxy", "http://127.0.0.1:9")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy"));
    assert_eq!(code, 0, "kubernetes-validate:\n{stdout}{stderr}");
    let docs = manifests(&python);
    let passed = stdout.lines().filter(|l| l.contains(" passed ")).count();
    assert_eq!(
        passed,
        docs.len(),
        "not every document validated:\n{stdout}{stderr}"
    );
    let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["PersistentVolumeClaim", "ConfigMap", "CronJob"]);

    // The CronJob: one run at a time, a deadline, non-root and read-only.
    let cron = by_kind(&docs, "CronJob");
    assert_eq!(cron["spec"]["concurrencyPolicy"], "Forbid");
    assert!(cron["spec"]["startingDeadlineSeconds"].as_u64().unwrap() < 60);
    let pod = &cron["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_ne!(pod["securityContext"]["runAsUser"], 0);
    let containers: Vec<&Value> = pod["initContainers"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(pod["containers"].as_array().unwrap())
        .collect();
    for c in &containers {
        let sc = &c["securityContext"];
        assert_eq!(sc["readOnlyRootFilesystem"], true, "{}", c["name"]);
        assert_eq!(sc["allowPrivilegeEscalation"], false, "{}", c["name"]);
    }
}

/// What the schemas cannot see: the names and paths that tie the documents
/// together, and the ConfigMap's tend.toml as tend reads it there.
#[test]
fn kubernetes_manifests_fit_together_and_tend_accepts_them() {
    let docs = manifests(&provision::python());
    let claim = by_kind(&docs, "PersistentVolumeClaim");
    let config_map = by_kind(&docs, "ConfigMap");
    let cron = by_kind(&docs, "CronJob");
    let pod = &cron["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    let volume = |name: &str| -> &Value {
        pod["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .unwrap_or_else(|| panic!("no volume {name}"))
    };
    let tick = &pod["containers"][0];
    let env_of = |c: &Value, name: &str| -> String {
        c["env"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .unwrap_or_else(|| panic!("{} has no {name}", c["name"]))["value"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let mount_of = |c: &Value, volume: &str| -> Option<String> {
        c["volumeMounts"]
            .as_array()?
            .iter()
            .find(|m| m["name"] == volume)
            .map(|m| m["mountPath"].as_str().unwrap().to_string())
    };

    assert_eq!(
        volume("root")["persistentVolumeClaim"]["claimName"],
        claim["metadata"]["name"]
    );
    assert_eq!(
        volume("config")["configMap"]["name"],
        config_map["metadata"]["name"]
    );
    assert!(volume("secret-source")["secret"]["secretName"].is_string());
    let root = env_of(tick, "TEND_ROOT");
    assert_eq!(mount_of(tick, "root").as_deref(), Some(root.as_str()));
    let config_path = env_of(tick, "TEND_CONFIG");
    let config_dir = mount_of(tick, "config").expect("the tick mounts the config");
    assert_eq!(config_path, format!("{config_dir}/tend.toml"));
    let secrets_dir = mount_of(tick, "secrets").expect("the tick mounts the secrets");

    // Every init container and the tick run a command tend accepts, and
    // whatever sets up the secrets writes where the tick reads them.
    for c in pod["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .chain([tick])
    {
        if c["command"] == serde_json::json!(["/usr/bin/tend"]) {
            let args = c["args"].as_array().expect("tend's arguments");
            let mut args: Vec<&str> = args.iter().map(|a| a.as_str().unwrap()).collect();
            args.push("--help");
            TestEnv::new().tend(&args).ok();
            assert_eq!(mount_of(c, "root").as_deref(), Some(root.as_str()));
        } else {
            assert_eq!(
                mount_of(c, "secrets").as_deref(),
                Some(secrets_dir.as_str())
            );
        }
    }

    // The ConfigMap's tend.toml, with its secret files where the pod has
    // them (mode 0600, as the init container copies them).
    let toml = config_map["data"]["tend.toml"].as_str().unwrap();
    let env = TestEnv::new();
    let secrets = env.dir().join("secrets");
    std::fs::create_dir(&secrets).unwrap();
    let mut named = 0;
    for line in toml.lines() {
        if let Some((_, path)) = line.split_once("_file = ") {
            let path = path.trim().trim_matches('"');
            let name = path
                .strip_prefix(&format!("{secrets_dir}/"))
                .unwrap_or_else(|| panic!("{path} is not under {secrets_dir}"));
            write_mode(&secrets.join(name), "xoxb-test\n", 0o600);
            named += 1;
        }
    }
    assert!(named > 0, "the ConfigMap's tend.toml names no secret file");
    let config = env.dir().join("tend.toml");
    std::fs::write(
        &config,
        toml.replace(&secrets_dir, &secrets.display().to_string()),
    )
    .unwrap();
    env.tend(&["--config", config.to_str().unwrap(), "config", "check"])
        .ok();
}

// ---------------------------------------------------------------- Debian package

/// `[package.metadata.deb] assets` from Cargo.toml: (source, destination).
fn deb_assets() -> Vec<(String, String)> {
    let manifest: toml::Table = read(&repo("Cargo.toml")).parse().unwrap();
    manifest["package"]["metadata"]["deb"]["assets"]
        .as_array()
        .expect("[package.metadata.deb] assets")
        .iter()
        .map(|a| {
            let a = a.as_array().expect("assets as [source, dest, mode]");
            (
                a[0].as_str().unwrap().to_string(),
                a[1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Whether `path` (relative to the repository) matches an asset's source:
/// a plain path or a `dir/*.ext` glob.
fn matches(source: &str, path: &str) -> bool {
    match source.split_once('*') {
        Some((prefix, suffix)) => {
            path.starts_with(prefix)
                && path.ends_with(suffix)
                && !path[prefix.len()..].contains('/')
        }
        None => source == path,
    }
}

/// The package carries every man page (in its section's directory) and the
/// bash, zsh and fish completions where those shells look; a page added to
/// man/ without an asset line fails here, not in the package.
#[test]
fn the_debian_package_carries_every_man_page_and_completion() {
    let assets = deb_assets();
    let dest_of = |path: &str| -> String {
        let (source, dest) = assets
            .iter()
            .find(|(source, _)| matches(source, path))
            .unwrap_or_else(|| panic!("no [package.metadata.deb] asset installs {path}"));
        if dest.ends_with('/') {
            format!(
                "{dest}{}",
                Path::new(path).file_name().unwrap().to_str().unwrap()
            )
        } else {
            assert!(!source.contains('*'), "{source} → {dest}");
            dest.clone()
        }
    };
    for entry in std::fs::read_dir(repo("man")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let section = name.rsplit('.').next().unwrap();
        assert_eq!(
            dest_of(&format!("man/{name}")),
            format!("usr/share/man/man{section}/{name}")
        );
    }
    for (file, dest) in [
        (
            "completions/tend.bash",
            "usr/share/bash-completion/completions/tend",
        ),
        (
            "completions/_tend",
            "usr/share/zsh/vendor-completions/_tend",
        ),
        (
            "completions/tend.fish",
            "usr/share/fish/vendor_completions.d/tend.fish",
        ),
    ] {
        assert_eq!(dest_of(file), dest);
    }
    assert_eq!(dest_of("target/release/tend"), "usr/bin/tend");
    for (source, _) in &assets {
        if !source.starts_with("target/") && !source.contains('*') {
            assert!(repo(source).is_file(), "asset {source} does not exist");
        }
    }
}

// ---------------------------------------------------------------- many hosts

/// A real OpenSSH server on a loopback port, with its own host key, one
/// authorized client key and its own configuration; killed when dropped.
struct Sshd {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Sshd {
    fn start(dir: &Path) -> Sshd {
        let sshd = provision::tool("sshd");
        let keygen = provision::tool("ssh-keygen");
        for key in ["host_key", "client_key"] {
            let (code, _, stderr) = run(Command::new(&keygen)
                .args(["-q", "-t", "ed25519", "-N", ""])
                .arg("-f")
                .arg(dir.join(key)));
            assert_eq!(code, 0, "ssh-keygen: {stderr}");
        }
        std::fs::copy(dir.join("client_key.pub"), dir.join("authorized_keys")).unwrap();
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            // As root, sshd wants its privilege separation directory, which
            // the system creates at boot when the service is enabled.
            std::fs::create_dir_all("/run/sshd").expect("create /run/sshd");
        }
        let mut last_log = String::new();
        for _ in 0..5 {
            let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let config = dir.join("sshd_config");
            std::fs::write(
                &config,
                format!(
                    "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\n\
                     AuthorizedKeysFile {d}/authorized_keys\nPidFile {d}/sshd.pid\n\
                     StrictModes no\nUsePAM no\nPasswordAuthentication no\n\
                     KbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
                     PermitRootLogin prohibit-password\nLogLevel ERROR\n",
                    d = dir.display()
                ),
            )
            .unwrap();
            let log = dir.join("sshd.log");
            let mut child = Command::new(&sshd)
                .args(["-D", "-e", "-f"])
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).unwrap())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", sshd.display()));
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
                    let sshd = Sshd {
                        child,
                        port,
                        dir: dir.to_path_buf(),
                    };
                    sshd.known_hosts(&read(&dir.join("host_key.pub")));
                    return sshd;
                }
                if child.try_wait().unwrap().is_some() || Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    last_log = read(&log);
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("sshd did not start on a loopback port:\n{last_log}");
    }

    /// Writes the client's known_hosts with `host_key` for this server.
    fn known_hosts(&self, host_key: &str) {
        std::fs::write(
            self.dir.join("known_hosts"),
            format!("[127.0.0.1]:{} {host_key}", self.port),
        )
        .unwrap();
    }

    fn user() -> String {
        let (code, stdout, _) = run(Command::new("id").arg("-un"));
        assert_eq!(code, 0);
        stdout.trim().to_string()
    }

    /// The ssh client options every connection uses: this server's port,
    /// the client key, and the known host key checked strictly.
    fn options(&self) -> Vec<String> {
        let d = self.dir.display();
        [
            "-o".to_string(),
            format!("UserKnownHostsFile={d}/known_hosts"),
            "-o".to_string(),
            "StrictHostKeyChecking=yes".to_string(),
            "-o".to_string(),
            "BatchMode=yes".to_string(),
            "-o".to_string(),
            "IdentitiesOnly=yes".to_string(),
        ]
        .into()
    }

    /// `ssh … user@127.0.0.1 <remote>`, with `stdin`, as a remote worker runs it.
    fn ssh(&self, remote: &str, stdin: &str) -> (i32, String, String) {
        let mut child = Command::new(provision::tool("ssh"))
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-i")
            .arg(self.dir.join("client_key"))
            .args(self.options())
            .arg(format!("{}@127.0.0.1", Sshd::user()))
            .arg(remote)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn ssh");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `probe.observed` row of `probe` (the last one).
fn observed(env: &TestEnv, probe: &str) -> Value {
    env.audit_kind("probe.observed")
        .into_iter()
        .rfind(|r| r["details"]["probe"] == probe)
        .unwrap_or_else(|| panic!("no probe.observed row for {probe}"))
}

/// A remote check is an ordinary probe: monitoring-plugins' check_by_ssh runs
/// the plugin on the other host, and its output and exit code are the probe's.
#[test]
fn check_by_ssh_runs_a_remote_plugin_as_a_probe() {
    let env = TestEnv::new();
    let sshd = Sshd::start(env.dir());
    // The "remote" plugin reports the connection it ran under, and the state
    // the test sets in a file.
    let state = env.dir().join("remote-state");
    std::fs::write(&state, "0").unwrap();
    let plugin = env.dir().join("check_remote");
    write_mode(
        &plugin,
        &format!(
            "#!/bin/sh\ncode=$(cat {state})\nlabel=$(echo OK WARNING CRITICAL | cut -d' ' -f$((code + 1)))\n\
             echo \"REMOTE $label - ran over ssh from ${{SSH_CONNECTION%% *}} | load=0.25\"\nexit $code\n",
            state = state.display()
        ),
        0o755,
    );
    let check_by_ssh = provision::tool("check_by_ssh");
    let mut command = vec![
        check_by_ssh.display().to_string(),
        "-H".into(),
        "127.0.0.1".into(),
        "-p".into(),
        sshd.port.to_string(),
        "-l".into(),
        Sshd::user(),
        "-i".into(),
        sshd.dir.join("client_key").display().to_string(),
    ];
    command.extend(sshd.options());
    command.extend(["-C".into(), plugin.display().to_string()]);
    env.write(
        "tend.toml",
        format!(
            "[[probe]]\nname = \"web-1-load\"\ncommand = {}\ncategory = \"remote_load\"\n",
            serde_json::to_string(&command).unwrap()
        ),
    );

    env.tend(&["probe", "run"]).ok();
    let row = observed(&env, "web-1-load");
    assert_eq!(row["details"]["status"], "ok", "{row}");
    assert_eq!(
        row["details"]["summary"], "REMOTE OK - ran over ssh from 127.0.0.1",
        "{row}"
    );

    std::fs::write(&state, "2").unwrap();
    env.tend(&["probe", "run"]).ok();
    let row = observed(&env, "web-1-load");
    assert_eq!(row["details"]["status"], "critical", "{row}");
    assert_eq!(
        row["details"]["summary"], "REMOTE CRITICAL - ran over ssh from 127.0.0.1",
        "{row}"
    );
    let status = env.tend(&["status", "--json"]).output();
    assert!(status.stdout.contains("web-1-load"), "{}", status.stdout);

    // A host whose key is not the known one is never reported OK: ssh
    // refuses it and check_by_ssh reports UNKNOWN.
    std::fs::write(&state, "0").unwrap();
    sshd.known_hosts(&read(&sshd.dir.join("client_key.pub")));
    env.tend(&["probe", "run"]).output();
    let row = observed(&env, "web-1-load");
    assert_eq!(row["details"]["status"], "unknown", "{row}");
}

/// Platform workers on other hosts write rows into the central root with
/// `tend audit emit` over ssh: one row with an idempotency key (a retry adds
/// nothing), and a batch on standard input.
#[test]
fn remote_workers_emit_audit_rows_over_ssh() {
    let env = TestEnv::new();
    let sshd = Sshd::start(env.dir());
    // As the README shows it: `ssh tend@central tend --root /var/lib/tend …`.
    let tend = format!("{BIN} --root {}", env.root().display());

    let one = format!(
        "{tend} audit emit --id worker-1-batch-7 --kind inference.recorded \
         --details '{{\"route\":\"support\",\"model\":\"small\",\"host\":\"worker-1\"}}'"
    );
    for _ in 0..2 {
        let (code, stdout, stderr) = sshd.ssh(&one, "");
        assert_eq!(code, 0, "{stdout}{stderr}");
    }
    let batch = concat!(
        r#"{"kind":"inference.recorded","details":{"route":"billing","model":"large","host":"worker-2"}}"#,
        "\n",
        r#"{"kind":"reasoning.tool_called","details":{"route":"billing","tool_name":"lookup","host":"worker-2"}}"#,
        "\n"
    );
    let (code, stdout, stderr) = sshd.ssh(&format!("{tend} audit emit --batch"), batch);
    assert_eq!(code, 0, "{stdout}{stderr}");

    // A bad row from a worker is refused whole, and says why, over ssh too.
    let (code, _, stderr) = sshd.ssh(
        &format!("{tend} audit emit --batch"),
        "{\"kind\":\"inference.recorded\",\"details\":{\"route\":\"x\"}}\n",
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("model"), "{stderr}");

    let hosts: Vec<(String, String)> = env
        .audit_rows()
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_string(),
                r["details"]["host"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        hosts,
        [
            ("inference.recorded".to_string(), "worker-1".to_string()),
            ("inference.recorded".to_string(), "worker-2".to_string()),
            ("reasoning.tool_called".to_string(), "worker-2".to_string()),
        ]
    );
    // The central host reads them as its own.
    let tail = env
        .tend(&["audit", "tail", "--kind", "inference.recorded", "-n", "all"])
        .env_remove("TEND_NOW")
        .ok();
    let routes: Vec<Value> = tail
        .json_lines()
        .into_iter()
        .filter(|r| r.get("kind").is_some())
        .map(|r| r["details"]["route"].clone())
        .collect();
    assert_eq!(routes, ["support", "billing"]);
}
