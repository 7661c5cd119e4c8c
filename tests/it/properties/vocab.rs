//! The command vocabulary and what the fix must do with each command.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Class {
    /// `python -m ensurepip` outside a venv: removed.
    Ensurepip,
    /// pip upgrading only itself: removed.
    Upgrade,
    /// pip upgrading itself and more: becomes the given command.
    UpgradeWith(&'static str),
    /// Activates a virtualenv: later commands of the string run in it.
    Activate,
    /// Uses the Nix pip (so pip must be provided) and stays.
    PipUse,
    /// Anything else: stays.
    Other,
}

pub(super) const VOCAB: &[(&str, Class)] = &[
    ("python -m ensurepip", Class::Ensurepip),
    ("python3 -m ensurepip --upgrade", Class::Ensurepip),
    ("python3.11 -m ensurepip --upgrade", Class::Ensurepip),
    (
        "/usr/bin/python3 -m ensurepip --default-pip",
        Class::Ensurepip,
    ),
    ("$PYTHON -m ensurepip", Class::Ensurepip),
    ("python3 -mensurepip", Class::Ensurepip),
    ("sudo python3 -m ensurepip", Class::Ensurepip),
    ("python3 -I -m ensurepip", Class::Ensurepip),
    ("pip install --upgrade pip", Class::Upgrade),
    ("pip3 install -U pip", Class::Upgrade),
    ("python -m pip install --upgrade pip", Class::Upgrade),
    ("python3.11 -m pip install --upgrade pip", Class::Upgrade),
    ("pip install pip --upgrade", Class::Upgrade),
    ("pip install --no-cache-dir -U 'pip>=24'", Class::Upgrade),
    (
        "python3 -m pip install --upgrade --user pip",
        Class::Upgrade,
    ),
    ("pip install \"pip==24.0\"", Class::Upgrade),
    (
        "pip install -U pip setuptools wheel",
        Class::UpgradeWith("pip install -U setuptools wheel"),
    ),
    (
        "python3.11 -m pip install --upgrade pip wheel",
        Class::UpgradeWith("python3.11 -m pip install --upgrade wheel"),
    ),
    (
        "pip install --upgrade setuptools pip",
        Class::UpgradeWith("pip install --upgrade setuptools"),
    ),
    (
        "pip install -U pip -r requirements.txt",
        Class::UpgradeWith("pip install -U -r requirements.txt"),
    ),
    ("pip install -r requirements.txt", Class::PipUse),
    (
        "python3.11 -m pip install -r requirements.txt",
        Class::PipUse,
    ),
    ("pip install -r \"req s.txt\"", Class::PipUse),
    ("pip install --upgrade pipenv", Class::PipUse),
    ("python -m venv --copies /opt/venv", Class::Other),
    (". /opt/venv/bin/activate", Class::Activate),
    ("source /opt/venv/bin/activate", Class::Activate),
    ("/opt/venv/bin/pip install --upgrade pip", Class::Other),
    ("/opt/venv/bin/python -m ensurepip", Class::Other),
    ("echo hello", Class::Other),
    ("echo 'a && b'", Class::Other),
    ("echo ensurepip", Class::Other),
    ("npm ci", Class::Other),
    ("make build", Class::Other),
    ("FOO=1 make", Class::Other),
];

/// Connectors as written: `(connector, text)`.
pub(super) const CONNS: &[(Connector, &str)] = &[
    (Connector::And, " && "),
    (Connector::And, "&&"),
    (Connector::And, " && \\\n  "),
    (Connector::Or, " || "),
    (Connector::Or, "||"),
];
/// Separators between the lists of a string.
pub(super) const SEPS: &[&str] = &["; ", ";", "\n", " & "];
/// What ends a string: mostly nothing, or a separator.
pub(super) const TAILS: &[&str] = &["", "", "", "", ";", "; ", " &", "\n"];

pub(super) const PHASES: &[&str] = &["setup", "install", "build", "migrate"];
pub(super) const PKGS: &[&str] = &[
    "python3",
    "python311",
    "python311Full",
    "...",
    "pip",
    "pip3",
    "gcc",
    "ffmpeg",
    "python311Packages.pip",
    "python310",
];
/// Spellings of the setup phase's package key; the last two are renamed.
pub(super) const PKG_KEYS: &[&str] = &["nixPkgs", "nixPackages", "nixpkgs", "nix_pkgs"];
/// Spellings of a phase's commands key; `cmd` (a string) is renamed.
pub(super) const CMD_KEYS: &[&str] = &["cmds", "commands", "cmd"];
