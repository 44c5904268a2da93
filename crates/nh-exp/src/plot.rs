//! Figures: rows of two subplots in the paper's layout, mean over seeds with a shaded band from the
//! lowest to the highest seed, thin per-seed lines and horizontal reference lines (Python's hash,
//! chance).
//!
//! The band is the seeds' range, not a confidence interval: with the 2-3 seeds of a figure a
//! Student-t interval is several times wider than the data (t = 12.7 for two seeds) and crosses
//! bounds no run can cross (negative collisions). The summaries give the 95% CI in numbers.

use std::path::Path;

use nh_metrics::{Summary, summarize_curves};
use plotters::prelude::*;

use crate::{Error, Result};

/// Curves of one method: one value per iteration per seed.
#[derive(Debug, Clone)]
pub struct CurveSet {
    /// Legend label.
    pub label: String,
    /// `per_seed[s][i]`: seed s, iteration i (seeds may stop at different lengths).
    pub per_seed: Vec<Vec<f64>>,
}

/// A horizontal reference line.
#[derive(Debug, Clone)]
pub struct HLine {
    /// Legend label.
    pub label: String,
    /// Its height.
    pub value: f64,
}

/// One subplot.
#[derive(Debug, Clone)]
pub struct Subplot {
    /// Title above the subplot.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// The curves.
    pub curves: Vec<CurveSet>,
    /// Reference lines.
    pub hlines: Vec<HLine>,
    /// Moving-average window of the thick mean line (0 or 1: the raw mean); applied only where
    /// the longest curve spans [`MIN_WINDOWS_TO_SMOOTH`] windows.
    pub smoothing: usize,
}

/// A subplot is smoothed only when its longest curve spans this many windows: on a shorter
/// curve a trailing average lags far behind the data and hides where it ends.
pub const MIN_WINDOWS_TO_SMOOTH: usize = 10;

impl Subplot {
    /// Whether the thick line is a moving average, for curves of at most `len` points.
    fn smoothed(&self, len: usize) -> bool {
        self.smoothing > 1 && len >= MIN_WINDOWS_TO_SMOOTH * self.smoothing
    }

    /// This subplot with every seed's curve replaced by its moving average.
    fn with_smoothed_seeds(&self) -> Subplot {
        let curves = self
            .curves
            .iter()
            .map(|c| CurveSet {
                label: c.label.clone(),
                per_seed: c
                    .per_seed
                    .iter()
                    .map(|seed| moving_average(seed, self.smoothing))
                    .collect(),
            })
            .collect();
        Subplot {
            curves,
            ..self.clone()
        }
    }
}

const PALETTE: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
];
const REFERENCE: RGBColor = RGBColor(90, 90, 90);

/// Draws `rows` (each a left and right subplot) with a caption under them into a PNG at `path`.
pub fn draw_figure(path: &Path, rows: &[[Subplot; 2]], caption: &str) -> Result<()> {
    let plot_err = |e: &dyn std::fmt::Display| Error::Plot {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let lines = wrap(caption, 150);
    let footer_height = 20 * lines.len() as u32 + 10;
    let height = 380 * rows.len() as u32 + footer_height;
    let root = BitMapBackend::new(path, (1300, height)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_err(&e))?;
    let (body, footer) = root.split_vertically(height - footer_height);
    for (line_no, line) in lines.iter().enumerate() {
        footer
            .draw_text(
                line,
                &("sans-serif", 15).into_font().color(&BLACK),
                (20, 8 + 20 * line_no as i32),
            )
            .map_err(|e| plot_err(&e))?;
    }
    let cells = body.split_evenly((rows.len(), 2));
    for (cell, subplot) in cells.iter().zip(rows.iter().flatten()) {
        draw_subplot(cell, subplot).map_err(|e| plot_err(&e))?;
    }
    root.present().map_err(|e| plot_err(&e))?;
    Ok(())
}

fn draw_subplot<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    raw: &Subplot,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let len = raw
        .curves
        .iter()
        .flat_map(|c| c.per_seed.iter().map(Vec::len))
        .max()
        .unwrap_or(1)
        .max(2);
    let smoothed = raw.smoothed(len);
    // Smoothed, the seeds, the band and the thick mean are drawn from each seed's moving average
    // (thousands of raw points per seed are a blur), the raw mean stays beneath as a faint line.
    let raw_means: Vec<Vec<f64>> = raw
        .curves
        .iter()
        .map(|c| {
            summarize_curves(&c.per_seed)
                .iter()
                .map(|s| s.mean)
                .collect()
        })
        .collect();
    let smoothed_view;
    let sp = if smoothed {
        smoothed_view = raw.with_smoothed_seeds();
        &smoothed_view
    } else {
        raw
    };
    let summaries: Vec<_> = sp
        .curves
        .iter()
        .map(|c| summarize_curves(&c.per_seed))
        .collect();
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    // The bands lie within the drawn seeds' values, so those, the raw means (when smoothed) and
    // the references set the axis.
    let values = sp
        .curves
        .iter()
        .flat_map(|c| c.per_seed.iter().flatten().copied())
        .chain(raw_means.iter().flatten().copied().filter(|_| smoothed));
    for v in values
        .chain(sp.hlines.iter().map(|h| h.value))
        .filter(|v| v.is_finite())
    {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(1e-6);
    let title_size = title_font_size(&sp.title, area.dim_in_pixel().0);
    let mut chart = ChartBuilder::on(area)
        .caption(&sp.title, ("sans-serif", title_size))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(65)
        .build_cartesian_2d(1f64..len as f64, (lo - pad)..(hi + pad))?;
    chart
        .configure_mesh()
        .x_desc(sp.x_label.as_str())
        .y_desc(sp.y_label.as_str())
        .light_line_style(WHITE.mix(0.0))
        .x_labels(len.min(10))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| tick_label(*y, hi - lo))
        .draw()?;
    for (k, (curve, summary)) in sp.curves.iter().zip(&summaries).enumerate() {
        let color = PALETTE[k % PALETTE.len()];
        let x = |i: usize| (i + 1) as f64;
        let band = seed_range_band(summary);
        if band.iter().all(|p| p.1.is_finite()) {
            chart.draw_series(std::iter::once(Polygon::new(band, color.mix(0.2).filled())))?;
        }
        if smoothed {
            // Overlapping segments add up: fainter the more points share a pixel column.
            let alpha = (0.25 * 1000.0 / len as f64).clamp(0.02, 0.25);
            let pts = raw_means[k].iter().enumerate().map(|(i, m)| (x(i), *m));
            chart.draw_series(LineSeries::new(pts, color.mix(alpha).stroke_width(1)))?;
        }
        for seed in &curve.per_seed {
            let pts = seed.iter().enumerate().map(|(i, v)| (x(i), *v));
            chart.draw_series(LineSeries::new(pts, color.mix(0.35).stroke_width(1)))?;
        }
        let thick: Vec<f64> = summary.iter().map(|s| s.mean).collect();
        let label = if smoothed {
            format!(
                "{} (mean of {} seeds, moving average of {})",
                curve.label,
                curve.per_seed.len(),
                sp.smoothing
            )
        } else {
            format!("{} (mean of {} seeds)", curve.label, curve.per_seed.len())
        };
        let line = thick.iter().enumerate().map(|(i, m)| (x(i), *m));
        chart
            .draw_series(LineSeries::new(line, color.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
    }
    for h in &sp.hlines {
        let pts = vec![(1.0, h.value), (len as f64, h.value)];
        chart
            .draw_series(DashedLineSeries::new(pts, 6, 4, REFERENCE.stroke_width(2)))?
            .label(format!("{} = {}", h.label, short_number(h.value)))
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], REFERENCE.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 13))
        .position(legend_position(sp, lo - pad, hi + pad))
        .draw()?;
    Ok(())
}

/// The trailing moving average of `values` over `window` points (fewer at the start), skipping
/// non-finite values; NaN where a window holds none.
fn moving_average(values: &[f64], window: usize) -> Vec<f64> {
    let window = window.max(1);
    (0..values.len())
        .map(|i| {
            let part = &values[(i + 1).saturating_sub(window)..=i];
            let finite: Vec<f64> = part.iter().copied().filter(|v| v.is_finite()).collect();
            if finite.is_empty() {
                f64::NAN
            } else {
                finite.iter().sum::<f64>() / finite.len() as f64
            }
        })
        .collect()
}

/// The polygon from the highest seed's value at each iteration (left to right) back along the
/// lowest (right to left); x is the 1-based iteration.
fn seed_range_band(summary: &[Summary]) -> Vec<(f64, f64)> {
    let x = |i: usize| (i + 1) as f64;
    let upper = summary.iter().enumerate().map(|(i, s)| (x(i), s.max));
    let lower = summary.iter().enumerate().rev().map(|(i, s)| (x(i), s.min));
    upper.chain(lower).collect()
}

/// The legend's corner: upper right, unless the curves end high (more of their values in the
/// right 40% of the plot lie in the top third of the axis than in the bottom third), then lower
/// right, so the legend does not hide where the curves end.
fn legend_position(sp: &Subplot, lo: f64, hi: f64) -> SeriesLabelPosition {
    let third = (hi - lo) / 3.0;
    let (mut high, mut low) = (0usize, 0usize);
    for seed in sp.curves.iter().flat_map(|c| &c.per_seed) {
        let tail = &seed[seed.len() * 6 / 10..];
        high += tail.iter().filter(|&&v| v > hi - third).count();
        low += tail.iter().filter(|&&v| v < lo + third).count();
    }
    if high > low {
        SeriesLabelPosition::LowerRight
    } else {
        SeriesLabelPosition::UpperRight
    }
}

/// The largest title font (at most 18 px, at least 10 px) at which `title` fits `width` pixels,
/// taking a sans-serif character as 0.45 of the font size wide (measured on the rendered PNGs).
fn title_font_size(title: &str, width: u32) -> f64 {
    let chars = title.chars().count().max(1) as f64;
    (f64::from(width.saturating_sub(24)) / (0.45 * chars)).clamp(10.0, 18.0)
}

/// A y tick with as many decimals as the axis needs to tell ticks apart: none on an axis that
/// spans 20 or more, else enough for a tenth of the span (at most 6).
fn tick_label(y: f64, span: f64) -> String {
    let decimals = if span >= 20.0 || span <= 0.0 {
        0
    } else {
        (-(span / 10.0).log10()).ceil().clamp(0.0, 6.0) as usize
    };
    format!("{y:.decimals$}")
}

/// A value with one decimal, or three significant digits when it is below 1 (e.g. 1/M).
fn short_number(v: f64) -> String {
    if v != 0.0 && v.abs() < 1.0 {
        format!("{v:.3e}")
    } else {
        format!("{v:.1}")
    }
}

/// Greedy word wrap for captions: lines of at most `width` characters (longer words alone).
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let last = lines.last_mut().expect("at least one line");
        if !last.is_empty() && last.len() + 1 + word.len() > width {
            lines.push(word.to_owned());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_a_png_with_bands_and_references() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.png");
        let curve = CurveSet {
            label: "pg".into(),
            per_seed: vec![vec![1.0, 2.0, 3.0], vec![2.0, 2.5, 2.0]],
        };
        let sp = Subplot {
            title: "t".into(),
            x_label: "iteration".into(),
            y_label: "reward".into(),
            curves: vec![curve],
            hlines: vec![HLine {
                label: "Python hash".into(),
                value: 2.2,
            }],
            smoothing: 3,
        };
        draw_figure(&path, &[[sp.clone(), sp]], "caption text").unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
        assert!(
            bytes.len() > 5_000,
            "suspiciously small PNG: {} bytes",
            bytes.len()
        );
    }

    #[test]
    fn only_curves_of_ten_windows_are_smoothed() {
        let subplot = |smoothing| Subplot {
            title: "t".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            curves: Vec::new(),
            hlines: Vec::new(),
            smoothing,
        };
        assert!(subplot(25).smoothed(250));
        assert!(!subplot(25).smoothed(249));
        assert!(!subplot(1).smoothed(1000));
        assert!(!subplot(0).smoothed(1000));
    }

    #[test]
    fn the_band_spans_the_seeds_and_no_further() {
        let per_seed = vec![vec![0.0, 4.0, 1.0], vec![2.0, 0.0], vec![1.0, 1.0, 5.0]];
        let band = seed_range_band(&summarize_curves(&per_seed));
        let expected = [
            (1.0, 2.0),
            (2.0, 4.0),
            (3.0, 5.0),
            (3.0, 1.0),
            (2.0, 0.0),
            (1.0, 0.0),
        ];
        assert_eq!(band, expected);
    }

    #[test]
    fn the_legend_moves_down_when_curves_end_high() {
        let subplot = |per_seed: Vec<Vec<f64>>| Subplot {
            title: "t".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            curves: vec![CurveSet {
                label: "c".into(),
                per_seed,
            }],
            hlines: Vec::new(),
            smoothing: 0,
        };
        let rising = subplot(vec![(0..10).map(f64::from).collect()]);
        let falling = subplot(vec![(0..10).rev().map(f64::from).collect()]);
        assert_eq!(
            legend_position(&rising, 0.0, 9.0),
            SeriesLabelPosition::LowerRight
        );
        assert_eq!(
            legend_position(&falling, 0.0, 9.0),
            SeriesLabelPosition::UpperRight
        );
    }

    #[test]
    fn small_reference_values_keep_their_digits() {
        assert_eq!(short_number(0.001), "1.000e-3");
        assert_eq!(short_number(2654.83), "2654.8");
    }

    #[test]
    fn long_titles_get_smaller_fonts_and_ticks_fit_the_axis() {
        assert_eq!(title_font_size("short", 650), 18.0);
        let long = "1,000 words into 1,000 bins, per-step reward, baseline, normalized, 4 episodes per \
                    update: max collisions in one bin";
        let size = title_font_size(long, 650);
        assert!((10.0..18.0).contains(&size), "{size}");
        assert!(0.45 * size * long.len() as f64 <= 626.0);
        assert_eq!(title_font_size(&"x".repeat(500), 650), 10.0);
        assert_eq!(tick_label(1500.0, 4000.0), "1500");
        assert_eq!(tick_label(14.0, 13.0), "14");
        assert_eq!(tick_label(5.5, 2.0), "5.5");
        assert_eq!(tick_label(6.92, 0.16), "6.92");
        assert_eq!(tick_label(0.01, 0.01), "0.010");
        assert_eq!(tick_label(0.001, 0.002), "0.0010");
    }

    #[test]
    fn moving_averages_trail_and_skip_missing_values() {
        let values = [1.0, 3.0, f64::NAN, 5.0, 7.0];
        let smoothed = moving_average(&values, 2);
        assert_eq!(smoothed[..2], [1.0, 2.0]);
        assert_eq!(smoothed[2..], [3.0, 5.0, 6.0]);
        assert!(moving_average(&[f64::NAN], 3)[0].is_nan());
        assert_eq!(moving_average(&values[..2], 0), vec![1.0, 3.0]);
    }

    #[test]
    fn wraps_captions() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
    }
}
