//! The Pythons of a config's build, for the rules that keep the environment
//! at one Python (NF010) and pick the matching pip (NF003): the interpreters
//! the environment holds (worked out by [`crate::nixpacks::python`]), and
//! the versioned ones the commands run.

use super::Context;
use crate::document::Node;
use crate::nixpacks::python::{PythonEnv, attr_version, environment};
use crate::python::python_program;

/// The Pythons the environment of the config `cx` looks at will hold.
pub fn python_env<'a>(cx: &Context<'a>) -> PythonEnv<'a> {
    let plan = crate::nixpacks::plan(cx.kind, &cx.doc.root).and_then(Node::as_map);
    environment(plan, cx.env.python_provider(plan), cx.provider_python())
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
