//! The time agencies themselves take, read from the worker's step histograms, so the engine's
//! own overhead is the end-to-end time minus what the agencies really took, not minus only the
//! latency the bench injected.

use std::collections::BTreeMap;

use super::{CRITICAL_PATH, Target};

const SUM: &str = "lienthong_step_duration_seconds_sum{";
const COUNT: &str = "lienthong_step_duration_seconds_count{";

/// Seconds spent in calls and calls made, by agency, since the worker started.
#[derive(Debug, Default, Clone)]
pub(super) struct AgencyTime(BTreeMap<String, (f64, f64)>);

impl AgencyTime {
    pub(super) async fn read(target: &Target) -> Self {
        let text = match target.http.get(&target.worker_metrics).send().await {
            Ok(response) => response.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        Self::parse(&text)
    }

    fn parse(text: &str) -> Self {
        let mut by_agency: BTreeMap<String, (f64, f64)> = BTreeMap::new();
        for line in text.lines() {
            let (is_sum, labels) = if let Some(rest) = line.strip_prefix(SUM) {
                (true, rest)
            } else if let Some(rest) = line.strip_prefix(COUNT) {
                (false, rest)
            } else {
                continue;
            };
            let agency = labels
                .split("agency=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next());
            let value = line.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok());
            if let (Some(agency), Some(value)) = (agency, value) {
                let entry = by_agency.entry(agency.to_owned()).or_default();
                if is_sum {
                    entry.0 += value;
                } else {
                    entry.1 += value;
                }
            }
        }
        Self(by_agency)
    }

    /// The mean call of each agency between `before` and now, in milliseconds.
    fn mean_ms_since(&self, before: &Self, agency: &str) -> f64 {
        let (sum, count) = self.0.get(agency).copied().unwrap_or_default();
        let (sum0, count0) = before.0.get(agency).copied().unwrap_or_default();
        let calls = count - count0;
        if calls > 0.0 {
            (sum - sum0) / calls * 1000.0
        } else {
            0.0
        }
    }

    /// The agencies' time on a case's critical path between `before` and now: each stage's
    /// slowest agency, by its mean call.
    pub(super) fn critical_path_ms_since(&self, before: &Self) -> f64 {
        CRITICAL_PATH
            .iter()
            .map(|stage| {
                stage
                    .iter()
                    .map(|agency| self.mean_ms_since(before, agency))
                    .fold(0.0, f64::max)
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_critical_path_is_each_stages_slowest_mean_call_over_the_run() {
        let before = AgencyTime::parse(
            "lienthong_step_duration_seconds_sum{agency=\"civil-status\",operation=\"a\",outcome=\"done\"} 1\n\
             lienthong_step_duration_seconds_count{agency=\"civil-status\",operation=\"a\",outcome=\"done\"} 10\n",
        );
        let after = AgencyTime::parse(
            "# HELP lienthong_step_duration_seconds x\n\
             lienthong_step_duration_seconds_bucket{agency=\"civil-status\",operation=\"a\",outcome=\"done\",le=\"0.01\"} 12\n\
             lienthong_step_duration_seconds_sum{agency=\"civil-status\",operation=\"a\",outcome=\"done\"} 1.02\n\
             lienthong_step_duration_seconds_count{agency=\"civil-status\",operation=\"a\",outcome=\"done\"} 12\n\
             lienthong_step_duration_seconds_sum{agency=\"residence\",operation=\"b\",outcome=\"done\"} 0.006\n\
             lienthong_step_duration_seconds_count{agency=\"residence\",operation=\"b\",outcome=\"done\"} 2\n\
             lienthong_step_duration_seconds_sum{agency=\"social-insurance\",operation=\"c\",outcome=\"done\"} 0.008\n\
             lienthong_step_duration_seconds_count{agency=\"social-insurance\",operation=\"c\",outcome=\"done\"} 2\n",
        );
        // civil status: 20 ms over 2 calls = 10 ms; then the slower of 3 ms and 4 ms.
        let ms = after.critical_path_ms_since(&before);
        assert!((ms - 14.0).abs() < 1e-9, "{ms}");
    }
}
