//! Which Python interpreters the build environment will hold: what the setup
//! phase's `nixPkgs` lists, what the Python provider adds (through `"..."`,
//! or when there is no list), and whether the nixpkgs archive the setup
//! phase uses has them. Shared by the rules that keep the environment at one
//! Python (NF010), pick the matching pip (NF003) and warn about mismatches
//! (NF005).
//! What Nixpacks itself does with Python (archives, attributes) is in
//! [`crate::nixpacks::python`].

use super::Context;
use crate::document::{Node, NodeKind};
use crate::nixpacks::Pin;
use crate::nixpacks::python::{Archive, attr_version, listed_python};
use crate::python::python_program;

/// A Python in the environment, and why it is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// The attribute as written (`python311Full`, or the provider's `python3`).
    pub attr: String,
    /// Its version at the archive, or `None` when the archive lacks it.
    pub version: Option<String>,
    /// Listed in `nixPkgs` (else added by the provider).
    pub listed: bool,
    /// Byte offset of the list item, or of the list.
    pub offset: usize,
}

/// The setup phase's Python environment.
pub struct PythonEnv<'a> {
    /// The `nixPkgs` (or `nixPackages`) array, when it is one.
    pub list: Option<&'a Node>,
    /// The list holds `"..."` or `"@auto"` (the provider's packages stay).
    pub ellipsis: bool,
    /// The Python provider builds the app (so its Python and its pin apply).
    pub provider: bool,
    /// The provider's Python choice (pin files, `NIXPACKS_PYTHON_VERSION`).
    pub pin: Pin,
    pub archive: Archive,
    /// Interpreters in the environment: the listed ones, then the provider's.
    pub installed: Vec<Installed>,
    /// `pythonNNNPackages.*` entries name these Pythons.
    pub package_sets: Vec<String>,
}

impl PythonEnv<'_> {
    /// The distinct versions installed (`None` for one the archive lacks).
    pub fn versions(&self) -> Vec<Option<String>> {
        let mut v: Vec<Option<String>> = Vec::new();
        for i in &self.installed {
            if !v.contains(&i.version) {
                v.push(i.version.clone());
            }
        }
        v
    }

    /// The one Python, when there is exactly one and the archive has it.
    pub fn single(&self) -> Option<&Installed> {
        match self.versions().as_slice() {
            [Some(_)] => self.installed.first(),
            _ => None,
        }
    }

    /// Whether the provider adds its own Python to the environment.
    pub fn provider_adds(&self) -> bool {
        self.provider && (self.list.is_none() || self.ellipsis)
    }
}

/// The string items of the setup phase's package list.
pub fn setup_list<'a>(cx: &Context<'a>) -> Option<&'a Node> {
    let plan: &'a Node = crate::nixpacks::plan(cx.kind, &cx.doc.root)?;
    plan.as_map()?
        .get_map("phases")?
        .get_map("setup")?
        .get_any(crate::nixpacks::keys::NIX_PKGS)
        .map(|e| &e.value)
}

pub fn python_env<'a>(cx: &Context<'a>) -> PythonEnv<'a> {
    let plan = crate::nixpacks::plan(cx.kind, &cx.doc.root).and_then(Node::as_map);
    let provider = cx.env.python_provider(plan);
    let pin = cx.provider_python();
    let list = setup_list(cx).filter(|n| n.as_array().is_some());
    let items: Vec<(&Node, &str)> = match list.map(|l| &l.kind) {
        Some(NodeKind::Array(a)) => a
            .items
            .iter()
            .filter_map(|i| i.as_str().map(|s| (i, s.value.as_str())))
            .collect(),
        _ => Vec::new(),
    };
    let ellipsis = items.iter().any(|(_, v)| *v == "..." || *v == "@auto");
    let archive = if !provider {
        Archive::Unknown
    } else if pin.pinned {
        attr_version(&pin.attr).map_or(Archive::Provider, |v| Archive::for_version(&v))
    } else {
        Archive::Provider
    };
    let mut installed: Vec<Installed> = items
        .iter()
        .filter_map(|(n, v)| {
            listed_python(v).map(|a| Installed {
                attr: v.to_string(),
                version: archive.version_of(&a),
                listed: true,
                offset: n.span.start,
            })
        })
        .collect();
    let package_sets = {
        let mut s: Vec<String> = Vec::new();
        for (_, v) in &items {
            if let Some(p) = crate::python::nix_packages_python(v)
                && !s.contains(&p)
            {
                s.push(p);
            }
        }
        s
    };
    let env = PythonEnv {
        list,
        ellipsis,
        provider,
        pin: pin.clone(),
        archive,
        installed: Vec::new(),
        package_sets,
    };
    if env.provider_adds() {
        installed.push(Installed {
            attr: pin.attr.clone(),
            version: archive.version_of(&pin.attr),
            listed: false,
            offset: list.map_or(0, |l| l.span.start),
        });
    }
    PythonEnv { installed, ..env }
}

/// The versioned Pythons the commands run outside a virtualenv's own
/// programs (`python3.11`, `pip3.11`): version, the program as written, the
/// site's location and offset. A venv made from another Python has no
/// `python3.11` either, so activation does not exempt a command.
pub fn invoked(cx: &Context) -> Vec<(String, String, String, usize)> {
    let mut out: Vec<(String, String, String, usize)> = Vec::new();
    super::commands::for_each_command(cx, |site, _c, args, _in_venv| {
        let Some(prog) = args.first() else { return };
        if prog.contains('/') {
            return;
        }
        let attr = match python_program(prog) {
            Some(Some(a)) => a,
            _ => match prog.strip_prefix("pip").filter(|v| v.contains('.')) {
                Some(v) => match python_program(&format!("python{v}")) {
                    Some(Some(a)) => a,
                    _ => return,
                },
                None => return,
            },
        };
        let Some(v) = attr_version(&attr) else { return };
        if !out
            .iter()
            .any(|(ov, op, ol, _)| ov == &v && op == prog && ol == &site.location)
        {
            out.push((
                v,
                prog.to_string(),
                site.location.clone(),
                site.node.span.start,
            ));
        }
    });
    out
}
