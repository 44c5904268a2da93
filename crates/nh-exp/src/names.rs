//! Plain names: the strings of an experiment file that become file and folder names (figure,
//! panel ids, profile names, and so run ids and unit names).
//!
//! A plain name is 1 to [`MAX_NAME_LEN`] ASCII letters, digits, `_`, `-` or `.`, not starting with
//! `.`. So it is exactly one normal path component on every platform: never `.`, `..`, a hidden
//! file, an absolute path, or a name with a separator, a NUL or a character a shell would
//! interpret, and a run folder built from it stays inside the results folder.

/// Longest plain name, in bytes.
pub const MAX_NAME_LEN: usize = 64;

/// What the rule says, for error messages.
pub(crate) const NAME_RULE: &str = "names become file and folder names, so use 1 to 64 ASCII \
                                    letters, digits, `_`, `-` or `.`, not starting with `.`";

/// Why `name` is not a plain name, or `None` when it is one.
pub fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("it is empty")
    } else if name.len() > MAX_NAME_LEN {
        Some("it is longer than 64 bytes")
    } else if name.starts_with('.') {
        Some("it starts with `.`")
    } else if name
        .bytes()
        .any(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')))
    {
        Some("it has a character other than ASCII letters, digits, `_`, `-` and `.`")
    } else {
        None
    }
}

/// `value` for an error message: its first 64 characters and `...` when longer.
pub(crate) fn quoted(value: &str) -> String {
    match value.char_indices().nth(MAX_NAME_LEN) {
        Some((cut, _)) => format!("{:?}...", &value[..cut]),
        None => format!("{value:?}"),
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Component, Path};

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_figures_names_are_plain() {
        for name in ["fig5", "n100_ours", "paper-pg", "smoke", "v1.2", "A", "-x"] {
            assert_eq!(name_problem(name), None, "{name}");
        }
    }

    #[test]
    fn names_that_could_leave_a_folder_are_not_plain() {
        let long = "x".repeat(MAX_NAME_LEN + 1);
        for name in [
            "",
            ".",
            "..",
            "../../escape",
            "/etc",
            "a/b",
            "a\\b",
            ".hidden",
            "a\0b",
            "a b",
            "fig5\n",
            "naïve",
            "$HOME",
            "~",
            "C:x",
            long.as_str(),
        ] {
            assert!(name_problem(name).is_some(), "{name:?}");
        }
        assert_eq!(quoted(&long), format!("{:?}...", "x".repeat(MAX_NAME_LEN)));
    }

    proptest! {
        #[test]
        fn a_plain_name_is_one_normal_component_inside_its_folder(
            name in prop_oneof![any::<String>(), "[A-Za-z0-9_./-]{0,70}"],
        ) {
            if name_problem(&name).is_none() {
                let components: Vec<_> = Path::new(&name).components().collect();
                prop_assert_eq!(components, vec![Component::Normal(name.as_ref())]);
                let base = Path::new("/results/fig");
                let joined = base.join(&name);
                prop_assert_eq!(joined.parent(), Some(base));
            }
        }

        #[test]
        fn names_in_the_alphabet_are_plain(name in "[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}") {
            prop_assert_eq!(name_problem(&name), None);
        }

        #[test]
        fn separators_and_parents_are_never_plain(
            a in "[a-z]{0,5}",
            b in "[a-z]{0,5}",
            sep in prop::sample::select(vec!["/", "\\", "\0", "..", ":", " "]),
        ) {
            let name = format!("{a}{sep}{b}");
            if sep == ".." {
                prop_assume!(a.is_empty());
            }
            prop_assert!(name_problem(&name).is_some(), "{:?}", name);
        }
    }
}
