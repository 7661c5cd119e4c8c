//! Recognising Python, pip and ensurepip invocations in shell words, and the
//! Nix attribute names of Pythons and their pip.

use crate::shell::SimpleCommand;

/// The last path component of a word (`/usr/bin/python3` -> `python3`).
pub fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// Whether a program path points into a virtual environment, whose pip and
/// ensurepip work normally (they write into the venv, not the Nix store).
pub fn is_venv_path(word: &str) -> bool {
    let w = word.to_ascii_lowercase();
    w.contains('/') && (w.contains("venv") || w.contains("virtual_env") || w.contains("virtualenv"))
}

/// If `word` names a Python interpreter, the Nix attribute its version
/// implies (`python3.11` -> `Some(Some("python311"))`, `python3` ->
/// `Some(None)`: a Python, but no minor version).
pub fn python_program(word: &str) -> Option<Option<String>> {
    if word.starts_with('$') {
        let up = word.to_ascii_uppercase();
        return up.contains("PYTHON").then_some(None);
    }
    let b = basename(word);
    if b == "py" {
        return Some(None);
    }
    let rest = b.strip_prefix("python")?;
    if rest.is_empty() || rest == "3" {
        return Some(None);
    }
    // python3.11, python311
    let digits: String = rest.chars().filter(|c| *c != '.').collect();
    if digits.len() >= 2 && digits.len() <= 3 && digits.chars().all(|c| c.is_ascii_digit()) {
        if rest.contains('.') && !rest.starts_with("3.") && !rest.starts_with("2.") {
            return None;
        }
        return Some(Some(format!("python{digits}")));
    }
    None
}

/// After the interpreter's own options, the module run with `-m` and the
/// index of the first word after it, read as CPython reads its options:
/// short options cluster (`-Im ensurepip`, `-Bqm ensurepip`), `-m`, `-W`
/// and `-X` take the rest of the cluster or the next word, `-c` runs code
/// and a word not starting with `-` is a script (neither is a module).
fn module_after(args: &[&str]) -> Option<(String, usize)> {
    let mut i = 1;
    while i < args.len() {
        let a = args[i];
        if a == "--check-hash-based-pycs" {
            i += 2;
            continue;
        }
        let cluster = a
            .strip_prefix('-')
            .filter(|c| !c.is_empty() && !c.starts_with('-'))?;
        let mut next = i + 1;
        for (k, ch) in cluster.char_indices() {
            let rest = &cluster[k + ch.len_utf8()..];
            match ch {
                'm' if rest.is_empty() => return args.get(i + 1).map(|m| (m.to_string(), i + 2)),
                'm' => return Some((rest.to_string(), i + 1)),
                'W' | 'X' => {
                    if rest.is_empty() {
                        next = i + 2;
                    }
                    break;
                }
                'b' | 'B' | 'd' | 'E' | 'i' | 'I' | 'O' | 'P' | 'q' | 'R' | 's' | 'S' | 'u'
                | 'v' | 'x' => {}
                // -c (code), -h / -V (help, version) and unknown options:
                // no module runs.
                _ => return None,
            }
        }
        i = next;
    }
    None
}

/// A program that runs the rest of its words as a command, and its
/// options as getopt reads them.
struct Wrapper {
    name: &'static str,
    /// Short options without a value.
    flags: &'static str,
    /// Short options that take a value (the rest of the cluster or the next word).
    valued: &'static str,
    /// Short options with which the command is not run (`command -v`).
    no_run: &'static str,
    /// Long options without a value.
    long_flags: &'static [&'static str],
    /// Long options that take a value (`--user=app` or `--user app`).
    long_valued: &'static [&'static str],
    /// `VAR=value` words may come between the options and the command.
    assignments: bool,
    /// Words between the options and the command (`timeout`'s duration).
    positional: usize,
    /// `nice -10`: a number as an option.
    numeric_option: bool,
}

const fn wrapper(name: &'static str, flags: &'static str, valued: &'static str) -> Wrapper {
    Wrapper {
        name,
        flags,
        valued,
        no_run: "",
        long_flags: &[],
        long_valued: &[],
        assignments: false,
        positional: 0,
        numeric_option: false,
    }
}

/// Wrappers nixfix reads exactly: what follows their options is the
/// command, removed with them (`nice -n 10 python -m ensurepip` goes whole).
const WRAPPERS: &[Wrapper] = &[
    Wrapper {
        no_run: "eKlVvh",
        long_flags: &[
            "--background",
            "--login",
            "--non-interactive",
            "--preserve-env",
            "--set-home",
            "--shell",
            "--stdin",
            "--askpass",
        ],
        long_valued: &[
            "--user",
            "--group",
            "--chdir",
            "--chroot",
            "--close-from",
            "--prompt",
            "--role",
            "--type",
            "--command-timeout",
            "--other-user",
            "--host",
        ],
        assignments: true,
        ..wrapper("sudo", "AbEHiknPSs", "CDgprTtUuc")
    },
    Wrapper {
        no_run: "C",
        ..wrapper("doas", "ns", "u")
    },
    Wrapper {
        long_valued: &["--adjustment"],
        numeric_option: true,
        ..wrapper("nice", "", "n")
    },
    Wrapper {
        long_flags: &["--preserve-status", "--foreground", "--verbose"],
        long_valued: &["--signal", "--kill-after"],
        positional: 1,
        ..wrapper("timeout", "v", "ks")
    },
    wrapper("exec", "cl", "a"),
    Wrapper {
        long_flags: &["--ignore-environment", "--debug"],
        long_valued: &["--unset", "--chdir"],
        assignments: true,
        ..wrapper("env", "iv", "uC")
    },
    Wrapper {
        no_run: "vV",
        ..wrapper("command", "p", "")
    },
    Wrapper {
        long_flags: &["--append", "--verbose", "--portability", "--quiet"],
        long_valued: &["--output", "--format"],
        ..wrapper("time", "apqv", "of")
    },
    wrapper("nohup", "", ""),
    Wrapper {
        long_valued: &["--input", "--output", "--error"],
        ..wrapper("stdbuf", "", "ioe")
    },
    Wrapper {
        long_flags: &["--ctty", "--fork", "--wait"],
        ..wrapper("setsid", "cfw", "")
    },
    Wrapper {
        no_run: "p",
        ..wrapper("ionice", "t", "cn")
    },
];

/// Programs that run a command from their words in a way nixfix does not
/// edit (arguments from stdin, another root, a remote host, a lock...):
/// a Python tool run through one is reported, never removed.
pub const UNEDITABLE_WRAPPERS: &[&str] = &[
    "xargs",
    "parallel",
    "chrt",
    "taskset",
    "chroot",
    "flock",
    "watch",
    "strace",
    "ltrace",
    "unbuffer",
    "eatmydata",
    "fakeroot",
    "nsenter",
    "unshare",
    "firejail",
    "catchsegv",
    "valgrind",
    "proot",
    "runuser",
    "su",
    "caffeinate",
    "script",
    "systemd-run",
    "busybox",
    "gosu",
    "su-exec",
    "setpriv",
    "prlimit",
    "numactl",
    "cpulimit",
    "tini",
    "dumb-init",
];

/// Where the command a wrapper runs starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrapped {
    /// At this word (0 when the words are not a wrapper).
    At(usize),
    /// The wrapper runs no command with these options (`command -v x`).
    NotRun,
    /// A wrapper whose words nixfix cannot read exactly (an unknown
    /// option, `xargs`): what it runs is reported, not edited.
    Unclear,
}

/// The options of wrapper `w` in `args[i..]` (`args[i]` is its name): the
/// index of the first word after them, or why there is none.
fn skip_options(w: &Wrapper, args: &[&str], mut i: usize) -> Result<usize, Wrapped> {
    i += 1;
    while let Some(&a) = args.get(i) {
        if a == "--" {
            i += 1;
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            let name = format!("--{}", long.split('=').next().unwrap_or(long));
            if w.long_flags.contains(&name.as_str()) {
                i += 1;
            } else if w.long_valued.contains(&name.as_str()) {
                i += if long.contains('=') { 1 } else { 2 };
            } else {
                return Err(Wrapped::Unclear);
            }
            continue;
        }
        let Some(cluster) = a.strip_prefix('-').filter(|c| !c.is_empty()) else {
            break;
        };
        if w.numeric_option && cluster.bytes().all(|b| b.is_ascii_digit()) {
            i += 1;
            continue;
        }
        let mut next = i + 1;
        for (k, ch) in cluster.char_indices() {
            if w.no_run.contains(ch) {
                return Err(Wrapped::NotRun);
            } else if w.valued.contains(ch) {
                if cluster[k + ch.len_utf8()..].is_empty() {
                    next = i + 2;
                }
                break;
            } else if !w.flags.contains(ch) {
                return Err(Wrapped::Unclear);
            }
        }
        i = next;
    }
    if w.assignments {
        while args.get(i).is_some_and(|a| is_assignment_word(a)) {
            i += 1;
        }
    }
    i += w.positional;
    if i >= args.len() {
        // Nothing left to run (`sudo -v`, `nohup`): not a command here.
        return Err(Wrapped::NotRun);
    }
    Ok(i)
}

fn is_assignment_word(w: &str) -> bool {
    w.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Where the command starts after the wrappers in front of it
/// (`sudo -u app nice -n 5 python -m ensurepip`: at `python`).
pub fn wrapped(args: &[&str]) -> Wrapped {
    let mut i = 0;
    while let Some(&a) = args.get(i) {
        let name = basename(a);
        if UNEDITABLE_WRAPPERS.contains(&name) {
            return Wrapped::Unclear;
        }
        let Some(w) = WRAPPERS.iter().find(|w| w.name == name) else {
            return Wrapped::At(i);
        };
        match skip_options(w, args, i) {
            Ok(next) => i = next,
            Err(why) => return why,
        }
    }
    Wrapped::At(i)
}

/// The start of the command proper, for the invocations below: `None` when
/// a wrapper hides it (reported by the rules, see [`wrapped`]).
fn skip_wrappers(args: &[&str]) -> Option<usize> {
    match wrapped(args) {
        Wrapped::At(i) => Some(i),
        Wrapped::NotRun | Wrapped::Unclear => None,
    }
}

/// A recognised invocation of a Python tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// Index (into the command's argument list) of the program word.
    pub program: usize,
    /// The Nix Python attribute the program names, when it names a version.
    pub python: Option<String>,
    /// Whether the program is a virtualenv's.
    pub venv: bool,
    /// Index of the first argument after `pip` / `-m pip` / `-m ensurepip`.
    pub rest: usize,
}

/// `pip ...`, `pip3.11 ...` or `python -m pip ...`.
pub fn pip_invocation(args: &[&str]) -> Option<Invocation> {
    let p = skip_wrappers(args)?;
    let prog = *args.get(p)?;
    let b = basename(prog);
    let venv = is_venv_path(prog);
    if b == "pip"
        || b == "pip3"
        || (b.starts_with("pip3.") && b[5..].chars().all(|c| c.is_ascii_digit()))
    {
        let python = b
            .strip_prefix("pip")
            .filter(|v| v.contains('.'))
            .and_then(|v| python_program(&format!("python{v}")).flatten());
        return Some(Invocation {
            program: p,
            python,
            venv,
            rest: p + 1,
        });
    }
    let python = python_program(prog)?;
    let (module, rest) = module_after(&args[p..])?;
    (module == "pip").then_some(Invocation {
        program: p,
        python,
        venv,
        rest: p + rest,
    })
}

/// `python -m ensurepip ...` in any spelling.
pub fn ensurepip_invocation(args: &[&str]) -> Option<Invocation> {
    let p = skip_wrappers(args)?;
    let prog = *args.get(p)?;
    let python = python_program(prog)?;
    let (module, rest) = module_after(&args[p..])?;
    (module == "ensurepip").then_some(Invocation {
        program: p,
        python,
        venv: is_venv_path(prog),
        rest: p + rest,
    })
}

/// Whether a command activates a virtualenv (`. venv/bin/activate`,
/// `source /opt/venv/bin/activate`), which makes later pip calls in the same
/// string the venv's.
pub fn activates_venv(cmd: &SimpleCommand) -> bool {
    let args = cmd.arguments();
    matches!(args.first(), Some(&".") | Some(&"source"))
        && args.get(1).is_some_and(|a| a.ends_with("/activate"))
}

/// The directory a command creates a virtualenv in: `python -m venv DIR`,
/// `virtualenv DIR`, `uv venv DIR`.
pub fn creates_venv(args: &[&str]) -> Option<String> {
    let p = skip_wrappers(args)?;
    let prog = *args.get(p)?;
    let rest = if python_program(prog).is_some() {
        let (module, rest) = module_after(&args[p..])?;
        if module != "venv" && module != "virtualenv" {
            return None;
        }
        p + rest
    } else if basename(prog) == "virtualenv" {
        p + 1
    } else if basename(prog) == "uv" && args.get(p + 1) == Some(&"venv") {
        p + 2
    } else {
        return None;
    };
    let mut dir = None;
    let mut i = rest;
    while i < args.len() {
        let a = args[i];
        if a == "--prompt" || a == "-p" || a == "--python" {
            i += 2;
            continue;
        }
        if !a.starts_with('-') {
            dir = Some(a);
        }
        i += 1;
    }
    let d = dir.unwrap_or(".venv");
    let d = d.trim_end_matches('/');
    Some(d.strip_prefix("./").unwrap_or(d).to_string())
}

/// Whether `prog` is a program inside one of the virtualenv `dirs`.
pub fn in_venv_dir(prog: &str, dirs: &[String]) -> bool {
    let p = prog.strip_prefix("./").unwrap_or(prog);
    dirs.iter().any(|d| {
        p.strip_prefix(d.as_str())
            .is_some_and(|rest| rest.starts_with("/bin/"))
    })
}

/// pip options that take a value in the next word.
const PIP_VALUE_OPTIONS: &[&str] = &[
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-e",
    "--editable",
    "-t",
    "--target",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--trusted-host",
    "--prefix",
    "--root",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--progress-bar",
    "--no-binary",
    "--only-binary",
    "--config-settings",
    "-C",
    "--global-option",
    "--log",
    "--proxy",
    "--retries",
    "--timeout",
    "--exists-action",
    "--cache-dir",
    "--src",
    "--upgrade-strategy",
    "--report",
    "--cert",
    "--client-cert",
    "--python",
    "--keyring-provider",
    "--root-user-action",
    "--use-feature",
    "--use-deprecated",
    "--log-file",
    "--install-option",
    "--group",
];

/// A parsed `pip install`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PipInstall {
    pub upgrade: bool,
    /// Argument indices of package requirements (`pip`, `setuptools>=70`, ...).
    pub packages: Vec<usize>,
    /// Requirement files, editables or constraints are installed too.
    pub other_sources: bool,
    /// `--target`, `--prefix` or `--root`: installs elsewhere than the interpreter.
    pub elsewhere: bool,
    pub break_system_packages: bool,
}

/// Parse the words after `pip` when they are an `install` command.
pub fn pip_install(args: &[&str], from: usize) -> Option<PipInstall> {
    let mut i = from;
    // Global options before the subcommand.
    while i < args.len() && args[i].starts_with('-') {
        if PIP_VALUE_OPTIONS.contains(&args[i]) {
            i += 1;
        }
        i += 1;
    }
    if args.get(i) != Some(&"install") {
        return None;
    }
    i += 1;
    let mut out = PipInstall::default();
    while i < args.len() {
        let a = args[i];
        if a == "--" {
            i += 1;
            continue;
        }
        if let Some(long) = a.strip_prefix("--") {
            let name = long.split('=').next().unwrap_or(long);
            match name {
                "upgrade" => out.upgrade = true,
                "target" | "prefix" | "root" => out.elsewhere = true,
                "requirement" | "editable" | "constraint" => out.other_sources = true,
                "break-system-packages" => out.break_system_packages = true,
                _ => {}
            }
            if !long.contains('=') && PIP_VALUE_OPTIONS.contains(&a) {
                i += 1;
            }
            i += 1;
            continue;
        }
        if a.starts_with('-') && a.len() > 1 {
            let flags = &a[1..];
            match flags.chars().next() {
                Some('r' | 'e' | 'c') => out.other_sources = true,
                Some('t') => out.elsewhere = true,
                _ => {}
            }
            if flags.chars().all(|c| "qvUI".contains(c)) && flags.contains('U') {
                out.upgrade = true;
            }
            if PIP_VALUE_OPTIONS.contains(&a) {
                i += 1;
            }
            i += 1;
            continue;
        }
        out.packages.push(i);
        i += 1;
    }
    Some(out)
}

/// Whether a requirement names pip itself (`pip`, `pip==24.0`, `pip>=23,<25`).
pub fn is_pip_requirement(req: &str) -> bool {
    let r = req.trim();
    let lower = r.to_ascii_lowercase();
    match lower.strip_prefix("pip") {
        Some(rest) => {
            rest.is_empty()
                || rest
                    .trim_start()
                    .starts_with(['<', '>', '=', '!', '~', ';'])
        }
        None => false,
    }
}

/// The Nix Python attribute of a `nixPkgs` entry that is a Python
/// (`python311`, `python311Full` -> `python311`; `python3` -> `python3`).
pub fn nix_python_attr(entry: &str) -> Option<String> {
    let rest = entry.strip_prefix("python")?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let suffix = &rest[digits.len()..];
    if digits.is_empty() || digits.len() > 3 {
        return None;
    }
    matches!(suffix, "" | "Full" | "Minimal" | "-full" | "Packages")
        .then(|| format!("python{digits}"))
        .filter(|_| suffix != "Packages")
}

/// The Python attribute of a `pythonNNNPackages.x` entry.
pub fn nix_packages_python(entry: &str) -> Option<String> {
    let (set, _) = entry.split_once('.')?;
    let attr = set.strip_suffix("Packages")?;
    nix_python_attr(attr)
}

/// Whether a `nixPkgs` entry is some Python's pip (`python311Packages.pip`).
pub fn is_nix_pip(entry: &str) -> bool {
    entry.split_once('.').is_some_and(|(set, pkg)| {
        pkg == "pip" && nix_packages_python(entry).is_some() && set.ends_with("Packages")
    })
}

/// The pip package for a Python attribute.
pub fn pip_for(python: &str) -> String {
    format!("{python}Packages.pip")
}

/// A version as Nixpacks reads it (`3.11`, `3.11.4`, `python-3.11.4`,
/// `3`) to the Nix attribute (`python311`, `python3`).
pub fn version_to_attr(version: &str) -> Option<String> {
    let v = version.trim();
    let v = v
        .strip_prefix("python-")
        .or_else(|| v.strip_prefix("python"))
        .unwrap_or(v)
        .trim();
    let mut parts = v.split('.');
    let major = parts.next()?.trim();
    if major.is_empty() || !major.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    match parts.next() {
        Some(minor) => {
            let minor: String = minor.chars().take_while(|c| c.is_ascii_digit()).collect();
            if minor.is_empty() {
                return Some(format!("python{major}"));
            }
            Some(format!("python{major}{minor}"))
        }
        None => Some(format!("python{major}")),
    }
}

/// A version as Nixpacks 1.41 maps it to a Nix Python: 3.7 to 3.13 and 2.7;
/// `None` for anything else (Nixpacks then uses its default `python3`).
pub fn supported_attr(version: &str) -> Option<String> {
    let attr = version_to_attr(version.trim().trim_matches(['"', '\'']))?;
    let ok = matches!(
        attr.as_str(),
        "python37"
            | "python38"
            | "python39"
            | "python310"
            | "python311"
            | "python312"
            | "python313"
            | "python27"
            | "python2"
    );
    ok.then(|| {
        if attr == "python2" {
            "python27".to_string()
        } else {
            attr
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_pythons() {
        assert_eq!(python_program("python3.11"), Some(Some("python311".into())));
        assert_eq!(
            python_program("/usr/bin/python3.12"),
            Some(Some("python312".into()))
        );
        assert_eq!(python_program("python3"), Some(None));
        assert_eq!(python_program("python"), Some(None));
        assert_eq!(python_program("$PYTHON"), Some(None));
        assert_eq!(python_program("${PYTHON_BIN}"), Some(None));
        assert_eq!(python_program("py"), Some(None));
        assert_eq!(python_program("pythonista"), None);
        assert_eq!(python_program("pip"), None);
    }

    fn words(s: &str) -> Vec<&str> {
        s.split_whitespace().collect()
    }

    #[test]
    fn recognises_ensurepip() {
        for s in [
            "python3.11 -m ensurepip --upgrade",
            "python -m ensurepip",
            "/usr/bin/python3 -m ensurepip --default-pip",
            "$PYTHON -m ensurepip",
            "python3 -I -m ensurepip",
            "python3 -mensurepip",
            "sudo python3 -m ensurepip",
        ] {
            assert!(ensurepip_invocation(&words(s)).is_some(), "{s}");
        }
        for s in [
            "echo ensurepip",
            "python3 ensurepip.py",
            "python3 -m pip install x",
            "pip install ensurepip",
        ] {
            assert!(ensurepip_invocation(&words(s)).is_none(), "{s}");
        }
        assert!(
            ensurepip_invocation(&words("/opt/venv/bin/python -m ensurepip"))
                .unwrap()
                .venv
        );
    }

    #[test]
    fn wrappers_and_their_options() {
        for (s, want) in [
            ("python -m ensurepip", Wrapped::At(0)),
            ("sudo -u app python", Wrapped::At(3)),
            ("sudo -Eu app VAR=1 nice -n 5 python", Wrapped::At(7)),
            ("sudo --user=app -- python", Wrapped::At(3)),
            ("timeout -k 5 30 python", Wrapped::At(4)),
            ("exec -cl -a name python", Wrapped::At(4)),
            ("env -i -u A B=1 C=2 python", Wrapped::At(6)),
            ("stdbuf -oL -e0 python", Wrapped::At(3)),
            ("command -v python", Wrapped::NotRun),
            ("sudo -l python", Wrapped::NotRun),
            ("timeout 30", Wrapped::NotRun),
            ("nohup", Wrapped::NotRun),
            ("xargs -n1 python", Wrapped::Unclear),
            ("sudo --bogus python", Wrapped::Unclear),
            ("nice -q python", Wrapped::Unclear),
            ("/usr/bin/env A=1 python", Wrapped::At(2)),
        ] {
            assert_eq!(wrapped(&words(s)), want, "{s}");
        }
    }

    #[test]
    fn recognises_pip_installs() {
        let w = words("python3.11 -m pip install --upgrade pip setuptools");
        let inv = pip_invocation(&w).unwrap();
        assert_eq!(inv.python.as_deref(), Some("python311"));
        let p = pip_install(&w, inv.rest).unwrap();
        assert!(p.upgrade);
        assert_eq!(p.packages, vec![5, 6]);
        let w = words("pip3 --no-cache-dir install -qU -r req.txt pip");
        let p = pip_install(&w, 1).unwrap();
        assert!(p.upgrade && p.other_sources);
        assert_eq!(p.packages, vec![6]);
        let w = words("pip install --index-url https://x pip==24.0");
        let p = pip_install(&w, 1).unwrap();
        assert_eq!(p.packages, vec![4]);
        assert!(pip_install(&words("pip list"), 1).is_none());
        assert!(
            pip_install(&words("pip install --target /tmp/x pip"), 1)
                .unwrap()
                .elsewhere
        );
    }

    #[test]
    fn venv_creation() {
        assert_eq!(
            creates_venv(&words("python3.11 -m venv /app/env")).as_deref(),
            Some("/app/env")
        );
        assert_eq!(
            creates_venv(&words("python -m venv --copies /opt/venv/")).as_deref(),
            Some("/opt/venv")
        );
        assert_eq!(
            creates_venv(&words("virtualenv ./env")).as_deref(),
            Some("env")
        );
        assert_eq!(creates_venv(&words("uv venv")).as_deref(), Some(".venv"));
        assert_eq!(creates_venv(&words("python -m pip install venv")), None);
        let dirs = vec!["/app/env".to_string(), "env".to_string()];
        assert!(in_venv_dir("/app/env/bin/pip", &dirs));
        assert!(in_venv_dir("./env/bin/python", &dirs));
        assert!(!in_venv_dir("/app/environment/bin/pip", &dirs));
        assert!(!in_venv_dir("pip", &dirs));
    }

    #[test]
    fn pip_requirements() {
        for r in ["pip", "pip==24.0", "pip>=23", "PIP", "pip <25"] {
            assert!(is_pip_requirement(r), "{r}");
        }
        for r in ["pipenv", "pip-tools", "setuptools", "pipx"] {
            assert!(!is_pip_requirement(r), "{r}");
        }
    }

    #[test]
    fn nix_attrs() {
        assert_eq!(nix_python_attr("python311").as_deref(), Some("python311"));
        assert_eq!(
            nix_python_attr("python311Full").as_deref(),
            Some("python311")
        );
        assert_eq!(nix_python_attr("python3").as_deref(), Some("python3"));
        assert_eq!(nix_python_attr("python").as_deref(), None);
        assert_eq!(nix_python_attr("python311Packages.pip"), None);
        assert!(is_nix_pip("python311Packages.pip"));
        assert!(is_nix_pip("python3Packages.pip"));
        assert!(!is_nix_pip("python311Packages.pipx"));
        assert!(!is_nix_pip("pip"));
        assert_eq!(
            nix_packages_python("python310Packages.setuptools").as_deref(),
            Some("python310")
        );
        assert_eq!(version_to_attr("3.11.4").as_deref(), Some("python311"));
        assert_eq!(
            version_to_attr("python-3.12.1").as_deref(),
            Some("python312")
        );
        assert_eq!(version_to_attr("3").as_deref(), Some("python3"));
        assert_eq!(version_to_attr("pypy3.9"), None);
    }
}
