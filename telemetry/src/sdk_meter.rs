//! The Temporal SDK's own metrics (polls, task slots, task latencies, sticky cache, ...) recorded
//! into lienthong's Prometheus registry through the SDK's `CoreMeter` interface, so one
//! `/metrics` serves both. The SDK's built-in Prometheus exporter would need a port of its own.

use std::{
    collections::{BTreeMap, btree_map::Entry},
    error::Error,
    sync::{Arc, PoisonError, RwLock},
    time::Duration,
};

use prometheus::{
    GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts,
    core::{Collector, Desc},
    proto::MetricFamily,
};
use temporalio_common::telemetry::metrics::{
    CoreMeter, Counter, CounterBase, Gauge, GaugeBase, GaugeF64, GaugeF64Base, Histogram,
    HistogramBase, HistogramDuration, HistogramDurationBase, HistogramF64, HistogramF64Base,
    MetricAttributable, MetricAttributes, MetricParameters, NewAttributes, OrderedPromLabelSet,
    UpDownCounter, UpDownCounterBase, default_buckets_for,
};

/// Every series the SDK has created, one Prometheus vector per (name, label names): the SDK
/// records some metrics with more labels in some places than in others.
#[derive(Debug, Clone, Default)]
pub(crate) struct SdkMetrics {
    vectors: Arc<RwLock<Vectors>>,
}

/// By metric name and label names.
type Vectors = BTreeMap<(String, Vec<String>), Vector>;

#[derive(Debug, Clone)]
enum Vector {
    Counter(IntCounterVec),
    Gauge(IntGaugeVec),
    GaugeF64(GaugeVec),
    Histogram(HistogramVec),
}

impl Vector {
    fn collect(&self) -> Vec<MetricFamily> {
        match self {
            Self::Counter(v) => v.collect(),
            Self::Gauge(v) => v.collect(),
            Self::GaugeF64(v) => v.collect(),
            Self::Histogram(v) => v.collect(),
        }
    }
}

#[derive(Debug, Clone)]
enum Kind {
    Counter,
    Gauge,
    GaugeF64,
    Histogram(Vec<f64>),
}

impl SdkMetrics {
    /// The meter to hand to the SDK runtime's telemetry options.
    pub(crate) fn meter(&self) -> Arc<dyn CoreMeter> {
        Arc::new(SdkMeter {
            store: self.clone(),
        })
    }

    fn vector(
        &self,
        name: &str,
        help: &str,
        kind: &Kind,
        labels: &OrderedPromLabelSet,
    ) -> Result<Vector, prometheus::Error> {
        let names: Vec<String> = labels.keys_ordered().map(str::to_owned).collect();
        let key = (name.to_owned(), names);
        if let Some(vector) = self.read().get(&key) {
            return Ok(vector.clone());
        }
        let mut vectors = self.vectors.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(vector) = vectors.get(&key) {
            return Ok(vector.clone());
        }
        let label_names: Vec<&str> = key.1.iter().map(String::as_str).collect();
        let help = if help.is_empty() { name } else { help };
        let vector = match kind {
            Kind::Counter => {
                Vector::Counter(IntCounterVec::new(Opts::new(name, help), &label_names)?)
            }
            Kind::Gauge => Vector::Gauge(IntGaugeVec::new(Opts::new(name, help), &label_names)?),
            Kind::GaugeF64 => Vector::GaugeF64(GaugeVec::new(Opts::new(name, help), &label_names)?),
            Kind::Histogram(buckets) => Vector::Histogram(HistogramVec::new(
                HistogramOpts::new(name, help).buckets(buckets.clone()),
                &label_names,
            )?),
        };
        vectors.insert(key, vector.clone());
        Ok(vector)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<(String, Vec<String>), Vector>> {
        self.vectors.read().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Collector for SdkMetrics {
    /// None: the SDK names its metrics as it creates them, after registration.
    fn desc(&self) -> Vec<&Desc> {
        Vec::new()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let mut by_name: BTreeMap<String, MetricFamily> = BTreeMap::new();
        for vector in self.read().values() {
            for mut family in vector.collect() {
                if family.get_metric().is_empty() {
                    continue;
                }
                match by_name.entry(family.name().to_owned()) {
                    Entry::Vacant(slot) => {
                        slot.insert(family);
                    }
                    Entry::Occupied(mut slot) => {
                        let metrics = family.take_metric();
                        slot.get_mut().mut_metric().extend(metrics);
                    }
                }
            }
        }
        by_name.into_values().collect()
    }
}

#[derive(Debug)]
struct SdkMeter {
    store: SdkMetrics,
}

impl SdkMeter {
    fn instrument(&self, params: &MetricParameters, name: String, kind: Kind) -> Arc<Instrument> {
        Arc::new(Instrument {
            name: name.replace('-', "_"),
            help: params.description.to_string(),
            kind,
            store: self.store.clone(),
            schemas: RwLock::default(),
        })
    }

    fn buckets(name: &str, seconds: bool) -> Vec<f64> {
        default_buckets_for(name.strip_prefix("temporal_").unwrap_or(name), seconds).to_vec()
    }
}

impl CoreMeter for SdkMeter {
    fn new_attributes(&self, attributes: NewAttributes) -> MetricAttributes {
        MetricAttributes::Prometheus {
            labels: Arc::new(attributes.into()),
        }
    }

    fn extend_attributes(
        &self,
        existing: MetricAttributes,
        attributes: NewAttributes,
    ) -> MetricAttributes {
        let mut labels = match existing {
            MetricAttributes::Prometheus { labels } => Arc::unwrap_or_clone(labels),
            _ => OrderedPromLabelSet::new(),
        };
        for kv in attributes.attributes {
            labels.add_kv(kv);
        }
        MetricAttributes::Prometheus {
            labels: Arc::new(labels),
        }
    }

    fn counter(&self, params: MetricParameters) -> Counter {
        Counter::new(self.instrument(&params, params.name.to_string(), Kind::Counter))
    }

    fn histogram(&self, params: MetricParameters) -> Histogram {
        let buckets = Self::buckets(&params.name, false);
        Histogram::new(self.instrument(&params, params.name.to_string(), Kind::Histogram(buckets)))
    }

    fn histogram_f64(&self, params: MetricParameters) -> HistogramF64 {
        let buckets = Self::buckets(&params.name, false);
        HistogramF64::new(self.instrument(
            &params,
            params.name.to_string(),
            Kind::Histogram(buckets),
        ))
    }

    /// Durations in seconds, with the unit in the name, like lienthong's own histograms.
    fn histogram_duration(&self, params: MetricParameters) -> HistogramDuration {
        let buckets = Self::buckets(&params.name, true);
        let name = format!("{}_seconds", params.name);
        HistogramDuration::new(self.instrument(&params, name, Kind::Histogram(buckets)))
    }

    fn gauge(&self, params: MetricParameters) -> Gauge {
        Gauge::new(self.instrument(&params, params.name.to_string(), Kind::Gauge))
    }

    fn gauge_f64(&self, params: MetricParameters) -> GaugeF64 {
        GaugeF64::new(self.instrument(&params, params.name.to_string(), Kind::GaugeF64))
    }

    fn up_down_counter(&self, params: MetricParameters) -> UpDownCounter {
        UpDownCounter::new(self.instrument(&params, params.name.to_string(), Kind::Gauge))
    }
}

/// One SDK instrument; bound to a label set, it yields the Prometheus child to record into.
#[derive(Debug)]
struct Instrument {
    name: String,
    help: String,
    kind: Kind,
    store: SdkMetrics,
    /// Vectors already bound, by label names: an instrument sees one or two label sets.
    schemas: RwLock<Vec<(Vec<String>, Vector)>>,
}

static NO_LABELS: OrderedPromLabelSet = OrderedPromLabelSet::new();

type Bound<T> = Result<Box<T>, Box<dyn Error>>;

#[derive(Debug, thiserror::Error)]
#[error("SDK metric `{0}` recorded with attributes of another meter")]
struct ForeignAttributes(String);

impl Instrument {
    /// The vector for this label set's names, cached here so recording does not allocate.
    fn bind<'a>(
        &self,
        attributes: &'a MetricAttributes,
    ) -> Result<(Vector, &'a OrderedPromLabelSet), Box<dyn Error>> {
        let labels = match attributes {
            MetricAttributes::Prometheus { labels } => labels.as_ref(),
            MetricAttributes::Empty => &NO_LABELS,
            _ => return Err(Box::new(ForeignAttributes(self.name.clone()))),
        };
        let cached = self
            .schemas
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find(|(names, _)| names.iter().map(String::as_str).eq(labels.keys_ordered()))
            .map(|(_, vector)| vector.clone());
        if let Some(vector) = cached {
            return Ok((vector, labels));
        }
        let vector = self
            .store
            .vector(&self.name, &self.help, &self.kind, labels)?;
        self.schemas
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .push((
                labels.keys_ordered().map(str::to_owned).collect(),
                vector.clone(),
            ));
        Ok((vector, labels))
    }
}

impl MetricAttributable<Box<dyn CounterBase>> for Instrument {
    fn with_attributes(&self, attributes: &MetricAttributes) -> Bound<dyn CounterBase> {
        match self.bind(attributes)? {
            (Vector::Counter(v), labels) => Ok(Box::new(IntCount(
                v.get_metric_with(&labels.as_prom_labels())?,
            ))),
            _ => Err(Box::new(ForeignAttributes(self.name.clone()))),
        }
    }
}

impl MetricAttributable<Box<dyn GaugeBase>> for Instrument {
    fn with_attributes(&self, attributes: &MetricAttributes) -> Bound<dyn GaugeBase> {
        match self.bind(attributes)? {
            (Vector::Gauge(v), labels) => Ok(Box::new(IntGauge(
                v.get_metric_with(&labels.as_prom_labels())?,
            ))),
            _ => Err(Box::new(ForeignAttributes(self.name.clone()))),
        }
    }
}

impl MetricAttributable<Box<dyn UpDownCounterBase>> for Instrument {
    fn with_attributes(&self, attributes: &MetricAttributes) -> Bound<dyn UpDownCounterBase> {
        match self.bind(attributes)? {
            (Vector::Gauge(v), labels) => Ok(Box::new(IntGauge(
                v.get_metric_with(&labels.as_prom_labels())?,
            ))),
            _ => Err(Box::new(ForeignAttributes(self.name.clone()))),
        }
    }
}

impl MetricAttributable<Box<dyn GaugeF64Base>> for Instrument {
    fn with_attributes(&self, attributes: &MetricAttributes) -> Bound<dyn GaugeF64Base> {
        match self.bind(attributes)? {
            (Vector::GaugeF64(v), labels) => Ok(Box::new(FloatGauge(
                v.get_metric_with(&labels.as_prom_labels())?,
            ))),
            _ => Err(Box::new(ForeignAttributes(self.name.clone()))),
        }
    }
}

impl MetricAttributable<Box<dyn HistogramBase>> for Instrument {
    fn with_attributes(&self, attributes: &MetricAttributes) -> Bound<dyn HistogramBase> {
        Ok(Box::new(self.histogram(attributes)?))
    }
}

impl MetricAttributable<Box<dyn HistogramF64Base>> for Instrument {
    fn with_attributes(&self, attributes: &MetricAttributes) -> Bound<dyn HistogramF64Base> {
        Ok(Box::new(self.histogram(attributes)?))
    }
}

impl MetricAttributable<Box<dyn HistogramDurationBase>> for Instrument {
    fn with_attributes(&self, attributes: &MetricAttributes) -> Bound<dyn HistogramDurationBase> {
        Ok(Box::new(self.histogram(attributes)?))
    }
}

impl Instrument {
    fn histogram(&self, attributes: &MetricAttributes) -> Result<Observer, Box<dyn Error>> {
        match self.bind(attributes)? {
            (Vector::Histogram(v), labels) => {
                Ok(Observer(v.get_metric_with(&labels.as_prom_labels())?))
            }
            _ => Err(Box::new(ForeignAttributes(self.name.clone()))),
        }
    }
}

struct IntCount(prometheus::IntCounter);
struct IntGauge(prometheus::IntGauge);
struct FloatGauge(prometheus::Gauge);
struct Observer(prometheus::Histogram);

impl CounterBase for IntCount {
    fn adds(&self, value: u64) {
        self.0.inc_by(value);
    }
}

impl GaugeBase for IntGauge {
    fn records(&self, value: u64) {
        self.0.set(i64::try_from(value).unwrap_or(i64::MAX));
    }
}

impl UpDownCounterBase for IntGauge {
    fn adds(&self, value: i64) {
        self.0.add(value);
    }
}

impl GaugeF64Base for FloatGauge {
    fn records(&self, value: f64) {
        self.0.set(value);
    }
}

impl HistogramBase for Observer {
    #[allow(clippy::cast_precision_loss)]
    fn records(&self, value: u64) {
        self.0.observe(value as f64);
    }
}

impl HistogramF64Base for Observer {
    fn records(&self, value: f64) {
        self.0.observe(value);
    }
}

impl HistogramDurationBase for Observer {
    fn records(&self, value: Duration) {
        self.0.observe(value.as_secs_f64());
    }
}
