//! The dashboard's two small charts, drawn here as inline SVG: no script, no library, colours
//! from the stylesheet's status classes (the step graph's palette). Every SVG element is closed
//! explicitly, because inside HTML an unclosed `<rect>` would swallow its siblings.

use maud::{Markup, html};

use super::{
    i18n::{Lang, Text},
    names::Names,
};

const WIDTH: f64 = 480.0;

fn px(value: f64) -> String {
    format!("{value:.1}")
}

/// One day's bar: each status's band, bottom up, as `(status, count, y, height)`.
struct DayBar<'a> {
    day: &'a str,
    x: f64,
    bands: Vec<(&'a str, i64, f64, f64)>,
    total: i64,
    top: f64,
}

/// Cases submitted per day, one stacked bar per day, a band per status.
pub(crate) fn status_per_day(lang: Lang, per_day: &[(String, Vec<(String, i64)>)]) -> Markup {
    let (height, left, right, top, bottom) = (220.0, 36.0, 8.0, 16.0, 28.0);
    let plot_width = WIDTH - left - right;
    let plot_height = height - top - bottom;
    let total = |counts: &[(String, i64)]| counts.iter().map(|(_, n)| (*n).max(0)).sum::<i64>();
    let highest = per_day
        .iter()
        .map(|(_, c)| total(c))
        .max()
        .unwrap_or(0)
        .max(1);
    let slot = plot_width / (per_day.len().max(1) as f64);
    let bar = slot * 0.6;
    let scale = plot_height / highest as f64;
    let base = top + plot_height;
    let days: Vec<DayBar> = per_day
        .iter()
        .enumerate()
        .map(|(i, (day, counts))| {
            let mut y = base;
            let bands = counts
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(status, n)| {
                    let h = *n as f64 * scale;
                    y -= h;
                    (status.as_str(), *n, y, h)
                })
                .collect();
            DayBar {
                day,
                x: left + slot * i as f64 + (slot - bar) / 2.0,
                bands,
                total: total(counts),
                top: y,
            }
        })
        .collect();
    html! {
        svg #chart-status.chart xmlns="http://www.w3.org/2000/svg" role="img"
            aria-labelledby="chart-status-title" viewBox={ "0 0 " (WIDTH) " " (height) }
            width=(WIDTH) height=(height) {
            title #chart-status-title { (lang.t(Text::ChartStatus)) }
            line.axis x1=(left) y1=(base) x2=(WIDTH - right) y2=(base) {}
            text.tick x=(left - 6.0) y=(base) text-anchor="end" { "0" }
            text.tick x=(left - 6.0) y=(top + 4.0) text-anchor="end" { (highest) }
            @for day in &days {
                g.day data-day=(day.day) {
                    @for (status, n, y, h) in &day.bands {
                        rect class={ "bar st-" (status) } x=(px(day.x)) y=(px(*y)) width=(px(bar))
                            height=(px(*h)) {
                            title { (day.day) " · " (lang.term("status", status)) ": " (n) }
                        }
                    }
                    text.tick x=(px(day.x + bar / 2.0)) y=(height - 10.0) text-anchor="middle" {
                        (day.day.get(5..).unwrap_or(day.day))
                    }
                    @if day.total > 0 {
                        text.value x=(px(day.x + bar / 2.0)) y=(px(day.top - 3.0)) text-anchor="middle" {
                            (day.total)
                        }
                    }
                }
            }
        }
    }
}

/// Open cases waiting on each agency, one horizontal bar each under the agency's name (a
/// catalogue title is too long to sit beside its bar).
pub(crate) fn waiting_per_agency(names: &Names, by_agency: &[(String, i64)]) -> Markup {
    let lang = names.lang();
    let (left, row, top, right) = (8.0, 40.0, 8.0, 48.0);
    let height = top * 2.0 + row * by_agency.len().max(1) as f64;
    let highest = by_agency.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let scale = (WIDTH - left - right) / highest as f64;
    html! {
        svg #chart-agency.chart xmlns="http://www.w3.org/2000/svg" role="img"
            aria-labelledby="chart-agency-title" viewBox={ "0 0 " (WIDTH) " " (height) }
            width=(WIDTH) height=(height) {
            title #chart-agency-title { (lang.t(Text::ChartAgency)) }
            @for (i, (agency, n)) in by_agency.iter().enumerate() {
                @let y = top + row * i as f64;
                @let w = (*n).max(0) as f64 * scale;
                g.agency data-agency=(agency) {
                    text.tick x=(left) y=(px(y + 12.0)) text-anchor="start" {
                        (names.agency(agency))
                    }
                    rect.bar.agency-bar x=(left) y=(px(y + 18.0)) width=(px(w)) height=(px(row - 24.0)) {
                        title { (names.agency(agency)) ": " (n) }
                    }
                    text.value x=(px(left + w + 6.0)) y=(px(y + 30.0)) { (n) }
                }
            }
        }
    }
}

/// The colour key of the per-day chart.
pub(crate) fn status_legend(lang: Lang, statuses: &[&str]) -> Markup {
    html! {
        ul.legend {
            @for status in statuses {
                li { span class={ "swatch st-" (status) } aria-hidden="true" {} (lang.term("status", status)) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_stack_per_day_and_every_element_is_closed() {
        let per_day = vec![
            (
                "2026-11-22".to_owned(),
                vec![("running".to_owned(), 2), ("completed".to_owned(), 0)],
            ),
            (
                "2026-11-23".to_owned(),
                vec![("running".to_owned(), 1), ("failed".to_owned(), 3)],
            ),
        ];
        let svg = status_per_day(Lang::En, &per_day).into_string();
        assert!(
            svg.starts_with("<svg class=\"chart\" id=\"chart-status\""),
            "{svg}"
        );
        assert_eq!(svg.matches("<rect").count(), 3);
        assert_eq!(svg.matches("<rect").count(), svg.matches("</rect>").count());
        assert!(svg.contains("class=\"bar st-failed\""));
        assert!(svg.contains("2026-11-23 · Failed: 3"));
        let agencies = waiting_per_agency(
            &Names::shipped(Lang::Vi),
            &[("residence".to_owned(), 4), ("citizen".to_owned(), 0)],
        )
        .into_string();
        assert!(agencies.starts_with("<svg class=\"chart\" id=\"chart-agency\""));
        assert!(agencies.contains("data-agency=\"residence\""));
        assert!(agencies.contains("Cơ sở dữ liệu về cư trú (Bộ Công an): 4"));
        assert!(agencies.contains(">Công dân</text>"));
    }
}
