//! Reading a server's `GET /metrics` (the Prometheus text format) in tests and benchmarks: the server's own
//! figures (commits, their latency to the durable Ack, frames and bytes) rather than the client's guess at them.

/// The scrape token the harness configures on every server it starts (a test constant, never a real secret).
pub const METRICS_TOKEN: &str = "scrape-token-of-the-test-harness-0001";

/// One scrape's samples.
#[derive(Debug, Clone)]
pub struct Scrape {
    text: String,
}

impl Scrape {
    pub fn parse(text: &str) -> Scrape {
        Scrape {
            text: text.to_owned(),
        }
    }

    /// The text as served.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The value of the sample `name`, written with its labels as served (`name{label="value"}`), if present.
    pub fn value(&self, name: &str) -> Option<f64> {
        self.text
            .lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
            .and_then(|value| value.trim().parse().ok())
    }

    /// The sum of every sample of `name`, whatever its labels (`name{…} value` and `name value`); `None` when the
    /// scrape has none.
    pub fn sum(&self, name: &str) -> Option<f64> {
        self.text
            .lines()
            .filter_map(|line| {
                let rest = line.strip_prefix(name)?;
                let value = match rest.strip_prefix('{') {
                    Some(labelled) => labelled.split_once("} ")?.1,
                    None => rest.strip_prefix(' ')?,
                };
                value.trim().parse::<f64>().ok()
            })
            .reduce(|total, value| total + value)
    }

    /// The histogram `name`'s `q` quantile as the upper bound of the first bucket holding that share of the
    /// observations (a bound, not an interpolation: honest about the buckets' resolution); `None` without any.
    pub fn quantile(&self, name: &str, q: f64) -> Option<f64> {
        let count = self.value(&format!("{name}_count"))?;
        if count <= 0.0 {
            return None;
        }
        let prefix = format!("{name}_bucket{{le=\"");
        self.text.lines().find_map(|line| {
            let (bound, cumulative) = line.strip_prefix(&prefix)?.split_once("\"} ")?;
            let cumulative: f64 = cumulative.trim().parse().ok()?;
            (cumulative >= q * count).then(|| bound.parse().unwrap_or(f64::INFINITY))
        })
    }

    /// The histogram `name`'s mean observation; `None` without any.
    pub fn mean(&self, name: &str) -> Option<f64> {
        let count = self.value(&format!("{name}_count"))?;
        (count > 0.0).then(|| self.value(&format!("{name}_sum")).unwrap_or(0.0) / count)
    }
}

/// Scrapes the server on `127.0.0.1:port` with [`METRICS_TOKEN`].
pub async fn scrape(port: u16) -> Result<Scrape, String> {
    let (status, body) =
        crate::http::request_text(port, "GET", "/metrics", Some(METRICS_TOKEN), None).await?;
    if status != 200 {
        return Err(format!("GET /metrics answered {status}"));
    }
    Ok(Scrape::parse(&body))
}

/// Waits until the samples of `name` on the server on `127.0.0.1:port` sum to at most `limit` (a missing sample never
/// does), scraping every 5 s; panics after `timeout`.
pub async fn until_at_most(port: u16, name: &str, limit: f64, timeout: std::time::Duration) {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let now = scrape(port).await.expect("the server's /metrics").sum(name);
        if now.is_some_and(|value| value <= limit) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{name} still {now:?} after {} s (waiting for at most {limit})",
            timeout.as_secs()
        );
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    }
}

/// Waits until the server on `127.0.0.1:port` holds no case document in memory (its `tovholder_documents_held`
/// gauge at 0: the idle eviction has let every one go, a minute after its last use); panics after `timeout`.
pub async fn until_no_document_held(port: u16, timeout: std::time::Duration) {
    until_at_most(port, "tovholder_documents_held", 0.0, timeout).await;
}

#[cfg(test)]
mod tests {
    use super::Scrape;

    const TEXT: &str = "# TYPE x_seconds histogram\n\
        x_seconds_bucket{le=\"0.001\"} 1\n\
        x_seconds_bucket{le=\"0.002\"} 90\n\
        x_seconds_bucket{le=\"0.004\"} 100\n\
        x_seconds_bucket{le=\"+Inf\"} 100\n\
        x_seconds_sum 0.15\n\
        x_seconds_count 100\n\
        c_total{direction=\"in\"} 7\n\
        c_total{direction=\"out\"} 5\n";

    #[test]
    fn samples_quantiles_and_means_read_as_served() {
        let scrape = Scrape::parse(TEXT);
        assert_eq!(scrape.value(r#"c_total{direction="in"}"#), Some(7.0));
        assert_eq!(scrape.value("c_total"), None);
        assert_eq!(scrape.quantile("x_seconds", 0.5), Some(0.002));
        assert_eq!(scrape.quantile("x_seconds", 0.99), Some(0.004));
        assert_eq!(scrape.mean("x_seconds"), Some(0.0015));
        assert_eq!(scrape.quantile("nothing", 0.5), None);
        assert_eq!(scrape.sum("c_total"), Some(12.0));
        assert_eq!(scrape.sum("x_seconds_count"), Some(100.0));
        assert_eq!(scrape.sum("x_seconds"), None);
    }
}
