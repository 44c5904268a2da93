//! Markdown tables and the number formats of the benchmark report.

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text columns.
    Left,
    /// Number columns.
    Right,
}

/// A markdown table whose cells are padded so that the source also reads as a table.
#[derive(Debug, Clone)]
pub struct Table {
    header: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with the given (title, alignment) columns and no rows.
    pub fn new(columns: &[(&str, Align)]) -> Table {
        Table {
            header: columns
                .iter()
                .map(|(title, _)| (*title).to_owned())
                .collect(),
            align: columns.iter().map(|&(_, align)| align).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row.
    ///
    /// # Panics
    /// When the row does not have one cell per column (a bug in the caller).
    pub fn push(&mut self, cells: Vec<String>) {
        assert_eq!(cells.len(), self.header.len(), "one cell per column");
        self.rows.push(cells);
    }

    /// The table as GitHub-flavoured markdown, one line per row, ending with a newline.
    pub fn to_markdown(&self) -> String {
        let widths: Vec<usize> = (0..self.header.len())
            .map(|c| {
                self.rows
                    .iter()
                    .map(|row| row[c].chars().count())
                    .chain([self.header[c].chars().count(), 3])
                    .max()
                    .unwrap_or(3)
            })
            .collect();
        let line = |cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .zip(&self.align)
                .map(|((cell, &width), align)| match align {
                    Align::Left => format!("{cell:<width$}"),
                    Align::Right => format!("{cell:>width$}"),
                })
                .collect();
            format!("| {} |\n", padded.join(" | "))
        };
        let rule: Vec<String> = widths
            .iter()
            .zip(&self.align)
            .map(|(&width, align)| match align {
                Align::Left => format!(":{}", "-".repeat(width + 1)),
                Align::Right => format!("{}:", "-".repeat(width + 1)),
            })
            .collect();
        let mut out = line(&self.header);
        out.push_str(&format!("|{}|\n", rule.join("|")));
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }
}

/// An integer with thousands separators: `1234567` -> `1,234,567`.
pub fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A non-negative measurement with three significant digits (at least), thousands separators
/// above 1,000, and `n/a` for values that are not finite: `4988.4` -> `4,988`, `12.345` ->
/// `12.3`, `0.01234` -> `0.0123`.
pub fn sig3(value: f64) -> String {
    if !value.is_finite() {
        return "n/a".to_owned();
    }
    let magnitude = value.abs();
    if magnitude >= 999.5 {
        let rounded = value.round();
        let sign = if rounded < 0.0 { "-" } else { "" };
        return format!("{sign}{}", thousands(rounded.abs() as u64));
    }
    let decimals = if magnitude == 0.0 {
        0
    } else {
        (2 - magnitude.log10().floor() as i32).max(0) as usize
    };
    format!("{value:.decimals$}")
}

/// A rate in millions per second with three significant digits: `92_000_000.0` -> `92.0 M`.
pub fn millions(per_second: f64) -> String {
    format!("{} M", sig3(per_second / 1e6))
}

/// A ratio as `12.3x`.
pub fn times(ratio: f64) -> String {
    format!("{}x", sig3(ratio))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_pad_and_align_their_columns() {
        let mut table = Table::new(&[("hash", Align::Left), ("ms", Align::Right)]);
        table.push(vec!["xxh3".into(), "5.1".into()]);
        table.push(vec!["neural, cpu".into(), "1,234".into()]);
        let expected = "\
| hash        |    ms |
|:------------|------:|
| xxh3        |   5.1 |
| neural, cpu | 1,234 |
";
        assert_eq!(table.to_markdown(), expected);
    }

    #[test]
    #[should_panic(expected = "one cell per column")]
    fn rows_must_fill_every_column() {
        Table::new(&[("a", Align::Left)]).push(vec![]);
    }

    #[test]
    fn numbers_are_formatted_for_reading() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(466_550), "466,550");
        assert_eq!(thousands(20_400_000), "20,400,000");
        assert_eq!(sig3(4988.4), "4,988");
        assert_eq!(sig3(999.7), "1,000");
        assert_eq!(sig3(63.14), "63.1");
        assert_eq!(sig3(12.345), "12.3");
        assert_eq!(sig3(1.0), "1.00");
        assert_eq!(sig3(0.01234), "0.0123");
        assert_eq!(sig3(0.0), "0");
        assert_eq!(sig3(f64::NAN), "n/a");
        assert_eq!(millions(92_040_000.0), "92.0 M");
        assert_eq!(times(63.14), "63.1x");
    }
}
