//! Lines of keys in a TOML text, for errors found after deserializing (a name, a learner
//! parameter): toml's own errors carry lines, checks on the parsed values look them up here.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One step of a key path: a table key or an array index (`panel[1]` is `Key("panel"), Index(1)`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Step<'a> {
    /// A key of a table.
    Key(&'a str),
    /// An element of an array (of tables).
    Index(usize),
}

/// The 1-based line of the deepest key of `path` found in `text` (the key itself where it is
/// written, e.g. `id` of the second panel); `None` when the text does not parse or has none of it.
pub(crate) fn key_line(text: &str, path: &[Step<'_>]) -> Option<usize> {
    let root = DeTable::parse(text).ok()?;
    let mut value: Option<&Spanned<DeValue<'_>>> = None;
    let mut table = Some(root.get_ref());
    let mut start = None;
    for step in path {
        match *step {
            Step::Key(key) => {
                let Some((k, v)) = table.and_then(|t| t.get_key_value(key)) else {
                    break;
                };
                start = Some(k.span().start);
                value = Some(v);
            }
            Step::Index(i) => {
                let Some(v) = value.and_then(|v| v.get_ref().get(i)) else {
                    break;
                };
                start = Some(v.span().start);
                value = Some(v);
            }
        }
        table = value.and_then(|v| v.get_ref().as_table());
    }
    start.map(|offset| 1 + text[..offset].matches('\n').count())
}

/// A dotted key (`model.hidden`) as path steps.
pub(crate) fn dotted(key: &str) -> impl Iterator<Item = Step<'_>> {
    key.split('.').map(Step::Key)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "figure = \"f\"\n\
                        [[panel]]\n\
                        id = \"a\"\n\
                        [[panel]]\n\
                        id = \"b\"\n\
                        [panel.params]\n\
                        learning_rate = 1\n\
                        [panel.params.model]\n\
                        hidden = [1]\n\
                        [profile.smoke]\n\
                        about = \"x\"\n";

    #[test]
    fn finds_keys_in_tables_arrays_and_nested_tables() {
        use Step::{Index, Key};
        for (path, line) in [
            (&[Key("figure")][..], Some(1)),
            (&[Key("panel"), Index(1), Key("id")], Some(5)),
            (
                &[Key("panel"), Index(1), Key("params"), Key("learning_rate")],
                Some(7),
            ),
            (
                &[
                    Key("panel"),
                    Index(1),
                    Key("params"),
                    Key("model"),
                    Key("hidden"),
                ],
                Some(9),
            ),
            (&[Key("profile"), Key("smoke")], Some(10)),
            // The deepest key that exists.
            (
                &[Key("panel"), Index(1), Key("params"), Key("missing")],
                Some(6),
            ),
            (&[Key("nothing")], None),
        ] {
            assert_eq!(key_line(TEXT, path), line, "{path:?}");
        }
        assert_eq!(key_line("not = = toml", &[Key("not")]), None);
        let steps: Vec<_> = dotted("model.hidden").collect();
        assert_eq!(
            key_line(
                TEXT,
                &[&[Key("panel"), Index(1), Key("params")][..], &steps].concat()
            ),
            Some(9)
        );
    }
}
