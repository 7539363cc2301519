//! Sending the openings `tov case --purpose` recorded (see [`crate::store::Opening`]) to the access log, at each
//! connection. Never fails a sync: the openings wait in the store until a later connection delivers them.

use secrecy::SecretString;

use crate::api::{self, ApiError, Endpoint, MAX_OPENS};
use crate::store::Store;

/// What became of the waiting openings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpeningsSent {
    /// Logged by the server.
    pub logged: usize,
    /// Naming no case the user may see now (purged meanwhile): answered for, so forgotten.
    pub skipped: usize,
    /// Why openings still wait, if some do.
    pub waiting: Option<String>,
}

/// Sends every waiting opening in batches, forgetting each batch once the server has answered for it. A batch the
/// server refuses as bad input (a purpose an older server does not know) would be refused at every connection, so
/// it is forgotten too, and said so; any other failure keeps the rest for the next connection.
pub(super) async fn send(store: &Store, server: &Endpoint, token: &SecretString) -> OpeningsSent {
    let mut sent = OpeningsSent::default();
    loop {
        let batch = match store.openings(MAX_OPENS as i64).await {
            Ok(batch) => batch,
            Err(error) => {
                sent.waiting = Some(error.to_string());
                return sent;
            }
        };
        let Some(last) = batch.last().map(|o| o.id) else {
            return sent;
        };
        let opens: Vec<_> = batch
            .iter()
            .map(|o| (o.doc.to_string(), o.purpose.clone(), o.at_ms))
            .collect();
        match api::log_opens(server, token, &opens).await {
            Ok(answer) => {
                sent.logged += answer.logged;
                sent.skipped += answer.skipped;
            }
            Err(ApiError::Refused {
                status: 400, message, ..
            }) => {
                eprintln!(
                    "warning: the server refused {} case opening(s) for its access log ({message}); they are dropped",
                    batch.len()
                );
            }
            Err(error) => {
                sent.waiting = Some(error.to_string());
                return sent;
            }
        }
        if let Err(error) = store.forget_openings(last).await {
            sent.waiting = Some(error.to_string());
            return sent;
        }
    }
}
