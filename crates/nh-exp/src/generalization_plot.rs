//! The generalization figure: per model, every sample's collisions of unseen words as a dot,
//! relative to a uniform random function's expectation, beside Python's hash on the same samples.
//!
//! Models of different sizes share one axis because each value is divided by the random
//! function's expected collisions for its own words and bins: 1 is a random function.

use std::path::Path;

use plotters::prelude::*;

use crate::rundir::{Existing, place_file};
use crate::train::GeneralizationSamples;
use crate::{Error, Result};

const NEURAL: RGBColor = RGBColor(31, 119, 180);
const PYTHON: RGBColor = RGBColor(214, 39, 40);
const REFERENCE: RGBColor = RGBColor(90, 90, 90);

/// Draws one column of dots per model (`(label, samples)`) into the new file `path` (never over an
/// existing one), with `caption` under the chart.
pub fn draw_generalization(
    path: &Path,
    models: &[(String, GeneralizationSamples)],
    caption: &str,
) -> Result<()> {
    let plot_err = |e: &dyn std::fmt::Display| Error::Plot {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let name = path
        .file_name()
        .map_or_else(|| "figure".to_owned(), |n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(".{name}.partial.png"));
    draw(&tmp, models, caption).map_err(|e| plot_err(&e))?;
    place_file(&tmp, path, Existing::Refuse)
}

/// Each sample's collisions over the random function's expectation.
fn relative(values: &[f64], samples: &GeneralizationSamples) -> Vec<f64> {
    let expected = samples.summary().uniform_expected_collisions;
    values.iter().map(|v| v / expected).collect()
}

fn draw(
    path: &Path,
    models: &[(String, GeneralizationSamples)],
    caption: &str,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let columns: Vec<(Vec<f64>, Vec<f64>)> = models
        .iter()
        .map(|(_, s)| {
            (
                relative(&s.neural_collisions, s),
                relative(&s.python_collisions, s),
            )
        })
        .collect();
    let finite = columns
        .iter()
        .flat_map(|(a, b)| a.iter().chain(b))
        .copied()
        .filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((1.0f64, 1.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let pad = (hi - lo).max(0.1) * 0.08;
    let width = (260 * models.len() as u32).max(700);
    // About 8 pixels per character of the 15-pixel caption font.
    let lines = crate::plot::wrap(caption, (width as usize - 40) / 8);
    let footer_height = 20 * lines.len() as u32 + 20;
    let root = BitMapBackend::new(path, (width, 560 + footer_height)).into_drawing_area();
    root.fill(&WHITE)?;
    let (body, footer) = root.split_vertically(560);
    for (line_no, line) in lines.iter().enumerate() {
        footer.draw_text(
            line,
            &("sans-serif", 15).into_font().color(&BLACK),
            (20, 10 + 20 * line_no as i32),
        )?;
    }
    let mut chart = ChartBuilder::on(&body)
        .caption(
            "Collisions of unseen words, relative to a random function",
            ("sans-serif", 22),
        )
        .margin(14)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5f64..models.len() as f64 - 0.5, (lo - pad)..(hi + pad))?;
    let labels: Vec<String> = models.iter().map(|(label, _)| label.clone()).collect();
    chart
        .configure_mesh()
        .x_labels(models.len())
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_desc("collisions / random function's expectation")
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    for (i, (neural, python)) in columns.iter().enumerate() {
        for (values, offset, color) in [(neural, -0.15, NEURAL), (python, 0.15, PYTHON)] {
            let n = values.len().max(1) as f64;
            let dots = values.iter().enumerate().map(|(k, v)| {
                // Spread the dots sideways by sample index so that equal values stay visible.
                let x = i as f64 + offset + (k as f64 / n - 0.5) * 0.2;
                Circle::new((x, *v), 2, color.mix(0.35).filled())
            });
            chart.draw_series(dots)?;
            let mean = values.iter().sum::<f64>() / n;
            let bar = [
                (i as f64 + offset - 0.13, mean),
                (i as f64 + offset + 0.13, mean),
            ];
            chart.draw_series(LineSeries::new(bar, color.stroke_width(3)))?;
        }
    }
    let span = (-0.5, models.len() as f64 - 0.5);
    chart
        .draw_series(DashedLineSeries::new(
            [(span.0, 1.0), (span.1, 1.0)],
            6,
            4,
            REFERENCE.stroke_width(2),
        ))?
        .label("random function (expectation = 1)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], REFERENCE.stroke_width(2)));
    chart
        .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
        .label("neural hash: one dot per sample, bar = mean")
        .legend(|(x, y)| Circle::new((x + 9, y), 4, NEURAL.filled()));
    chart
        .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
        .label("Python's hash on the same samples")
        .legend(|(x, y)| Circle::new((x + 9, y), 4, PYTHON.filled()));
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 13))
        .position(SeriesLabelPosition::UpperRight)
        .draw()?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(neural: Vec<f64>, python: Vec<f64>) -> GeneralizationSamples {
        GeneralizationSamples {
            words: 100,
            bins: 100,
            neural_max_load: vec![3.0; neural.len()],
            python_max_load: vec![3.0; python.len()],
            neural_collisions: neural,
            python_collisions: python,
        }
    }

    #[test]
    fn draws_a_new_png_and_never_over_an_existing_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("generalization.png");
        let models = vec![
            (
                "plain".to_owned(),
                samples(vec![50.0, 55.0, 60.0], vec![36.0, 37.0, 38.0]),
            ),
            (
                "keyed".to_owned(),
                samples(vec![36.0, 37.5, 35.0], vec![36.0, 37.0, 38.0]),
            ),
        ];
        draw_generalization(&path, &models, "test").unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..4], b"\x89PNG");
        assert!(draw_generalization(&path, &models, "again").is_err());
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
        // 36.6 is the random function's expectation for 100 words in 100 bins.
        let rel = relative(&[36.603_234], &models[0].1);
        assert!((rel[0] - 1.0).abs() < 1e-4, "{rel:?}");
    }
}
