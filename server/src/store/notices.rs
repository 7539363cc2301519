//! Notices between server processes on one PostgreSQL: a case's sequence moved (a commit, or a change of who may see
//! it), or a device was revoked. Sent inside the transaction that makes the change (`pg_notify`), so listeners hear
//! of it only once it is committed; heard by every process's listener ([`NoticeListener`]), which turns them into
//! events for its sync connections (`sync/hub.rs`). One type, with its one encoding and decoding, here. SQLite runs
//! one process, which needs no notices.

use sqlx::postgres::PgListener;

use super::{Backend, Store, StoreError, Tx};

/// The channel of [`Notice::Case`]: `doc_id:seq:tenant_id:kind`, kind `a` for a change of who may see the case,
/// `c` for a commit.
const DOCUMENTS_CHANNEL: &str = "tovholder_documents";
/// The channel of [`Notice::DeviceRevoked`]: the device id.
const DEVICES_CHANNEL: &str = "tovholder_devices";

/// What one process tells the others.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// The case's sequence moved to `seq`: a commit, or (`access`) a change of who may see it.
    Case {
        doc_id: String,
        seq: i64,
        tenant_id: String,
        access: bool,
    },
    /// The device was revoked: its sync connections close.
    DeviceRevoked { device_id: String },
}

impl Notice {
    fn channel(&self) -> &'static str {
        match self {
            Notice::Case { .. } => DOCUMENTS_CHANNEL,
            Notice::DeviceRevoked { .. } => DEVICES_CHANNEL,
        }
    }

    fn payload(&self) -> String {
        match self {
            Notice::Case {
                doc_id,
                seq,
                tenant_id,
                access,
            } => {
                let kind = if *access { "a" } else { "c" };
                format!("{doc_id}:{seq}:{tenant_id}:{kind}")
            }
            Notice::DeviceRevoked { device_id } => device_id.clone(),
        }
    }

    /// The notice a channel's payload carries; `None` for one this version does not understand.
    pub fn decode(channel: &str, payload: &str) -> Option<Notice> {
        match channel {
            DOCUMENTS_CHANNEL => {
                let mut parts = payload.split(':');
                let doc_id = parts.next()?.to_owned();
                let seq = parts.next()?.parse().ok()?;
                let tenant_id = parts.next()?.to_owned();
                let access = match parts.next()? {
                    "a" => true,
                    "c" => false,
                    _ => return None,
                };
                if parts.next().is_some() || doc_id.is_empty() {
                    return None;
                }
                Some(Notice::Case {
                    doc_id,
                    seq,
                    tenant_id,
                    access,
                })
            }
            DEVICES_CHANNEL if !payload.is_empty() => Some(Notice::DeviceRevoked {
                device_id: payload.to_owned(),
            }),
            _ => None,
        }
    }
}

impl Tx {
    /// Sends `notice` to every process when this transaction commits (PostgreSQL; a no-op on SQLite).
    pub(crate) async fn notify(&mut self, notice: &Notice) -> Result<(), StoreError> {
        if let Tx::Postgres(tx) = self {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(notice.channel())
                .bind(notice.payload())
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }
}

impl Tx {
    /// Tells every process that a case's sequence moved to `seq` (`access`: who may see it changed).
    pub(crate) async fn notify_case(
        &mut self,
        doc_id: &str,
        seq: i64,
        tenant_id: &str,
        access: bool,
    ) -> Result<(), StoreError> {
        let notice = Notice::Case {
            doc_id: doc_id.to_owned(),
            seq,
            tenant_id: tenant_id.to_owned(),
            access,
        };
        self.notify(&notice).await
    }
}

/// What a listener heard.
#[derive(Debug)]
pub enum Heard {
    Notice(Notice),
    /// A payload this version does not understand.
    Malformed,
    /// The connection was lost and re-established: notices sent meanwhile are gone.
    Interrupted,
}

/// A listener for every process's notices (PostgreSQL).
pub struct NoticeListener(PgListener);

impl NoticeListener {
    /// The next thing heard; an error when the connection failed (listen again).
    pub async fn recv(&mut self) -> Result<Heard, StoreError> {
        Ok(match self.0.try_recv().await? {
            Some(notification) => match Notice::decode(notification.channel(), notification.payload()) {
                Some(notice) => Heard::Notice(notice),
                None => Heard::Malformed,
            },
            None => Heard::Interrupted,
        })
    }
}

impl Store {
    /// Listens for other processes' notices: `None` on SQLite, where one process runs alone.
    pub async fn listen(&self) -> Option<Result<NoticeListener, StoreError>> {
        let Backend::Postgres(pool) = &self.backend else {
            return None;
        };
        Some(
            async {
                let mut listener = PgListener::connect_with(pool).await?;
                listener.listen_all([DOCUMENTS_CHANNEL, DEVICES_CHANNEL]).await?;
                Ok(NoticeListener(listener))
            }
            .await,
        )
    }

    /// Whether notices reach other processes (PostgreSQL) or there are none to reach (SQLite).
    pub fn has_notices(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_decodes_to_what_was_encoded_and_garbage_to_nothing() {
        for notice in [
            Notice::Case {
                doc_id: "EnrGHeqCd5UQ2jTW2Mo32rzJipp".into(),
                seq: 42,
                tenant_id: "t1".into(),
                access: true,
            },
            Notice::Case {
                doc_id: "d".into(),
                seq: 7,
                tenant_id: "t1".into(),
                access: false,
            },
            Notice::DeviceRevoked {
                device_id: "dev".into(),
            },
        ] {
            assert_eq!(Notice::decode(notice.channel(), &notice.payload()), Some(notice));
        }
        for payload in [
            "d:42",
            "d:42:t1:x",
            "nonsense",
            "d:x:t1:c",
            "d:42:t1:c:more",
            ":42:t1:c",
        ] {
            assert_eq!(Notice::decode(DOCUMENTS_CHANNEL, payload), None, "{payload}");
        }
        assert_eq!(Notice::decode(DEVICES_CHANNEL, ""), None);
        assert_eq!(Notice::decode("elsewhere", "d:1:t:c"), None);
    }
}
