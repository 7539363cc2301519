//! Notices between server processes on one PostgreSQL: a case's sequence moved (a commit, or a change of who may see
//! it), or a device was revoked. Sent inside the transaction that makes the change (`pg_notify`), so listeners hear
//! of it only once it is committed; heard by every process's listener ([`NoticeListener`]), which turns them into
//! events for its sync connections (`sync/hub.rs`). One type, with its one encoding and decoding, here. SQLite runs
//! one process, which needs no notices.

use sqlx::postgres::PgListener;
use sync_core::DocumentId;

use super::{Backend, Store, StoreError, Tx};
use crate::ids::{DeviceId, TeamId, TenantId, UserId};

/// The channel of [`Notice::Case`]: `doc_id:seq:tenant_id:reach`, reach `c` for a commit ([`Reach::Holders`]),
/// `t:TEAM:USER,USER` for a change of who may see the case ([`Reach::Audience`], TEAM empty for none), `a` for one
/// that may concern anyone of the tenant ([`Reach::Tenant`], also what an older version sends).
const DOCUMENTS_CHANNEL: &str = "tovholder_documents";
/// The channel of [`Notice::DeviceRevoked`]: the device id.
const DEVICES_CHANNEL: &str = "tovholder_devices";

/// Whom a change to a case may concern besides the connections that already sync it, so that the connections it
/// cannot concern skip it without asking the store (issue 13: one commit must not wake every connection).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// A commit: only the connections syncing the case.
    Holders,
    /// Who may see the case changed, for the case's team (its members and lead may gain or lose it) and these
    /// users (the one assigned or unassigned, a break-the-glass grantee, a new case's assignees).
    Audience {
        team_id: Option<TeamId>,
        users: Vec<UserId>,
    },
    /// Who may see the case changed, for anyone of the tenant.
    Tenant,
}

impl Reach {
    /// Whom a commit may concern besides the devices syncing the case: one that creates it, its team and the
    /// people it is assigned to; any other, only those devices.
    pub fn of_commit(create: bool, team_id: Option<&TeamId>, assign_users: &[UserId]) -> Reach {
        if create {
            Reach::Audience {
                team_id: team_id.cloned(),
                users: assign_users.to_vec(),
            }
        } else {
            Reach::Holders
        }
    }

    /// Whether who may see the case changed.
    pub fn is_access(&self) -> bool {
        !matches!(self, Reach::Holders)
    }

    fn encode(&self) -> String {
        // Team and user ids are UUIDs (`crate::ids`): neither ':' nor ',' can occur in one.
        match self {
            Reach::Holders => "c".to_owned(),
            Reach::Audience { team_id, users } => {
                let users: Vec<&str> = users.iter().map(UserId::as_str).collect();
                format!(
                    "t:{}:{}",
                    team_id.as_ref().map(TeamId::as_str).unwrap_or_default(),
                    users.join(",")
                )
            }
            Reach::Tenant => "a".to_owned(),
        }
    }

    fn decode(mut parts: std::str::Split<'_, char>) -> Option<Reach> {
        let reach = match parts.next()? {
            "c" => Reach::Holders,
            "a" => Reach::Tenant,
            "t" => {
                let team = parts.next()?;
                let users = parts.next()?;
                Reach::Audience {
                    team_id: if team.is_empty() {
                        None
                    } else {
                        Some(team.parse().ok()?)
                    },
                    users: users
                        .split(',')
                        .filter(|u| !u.is_empty())
                        .map(|u| u.parse().ok())
                        .collect::<Option<_>>()?,
                }
            }
            _ => return None,
        };
        parts.next().is_none().then_some(reach)
    }
}

/// What one process tells the others.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Notice {
    /// The case's sequence moved to `seq`: a commit, or a change of who may see it.
    Case {
        doc_id: DocumentId,
        seq: i64,
        tenant_id: TenantId,
        reach: Reach,
    },
    /// The device was revoked: its sync connections close.
    DeviceRevoked { device_id: DeviceId },
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
                reach,
            } => format!("{doc_id}:{seq}:{tenant_id}:{}", reach.encode()),
            Notice::DeviceRevoked { device_id } => device_id.to_string(),
        }
    }

    /// The notice a channel's payload carries; `None` for one this version does not understand.
    pub fn decode(channel: &str, payload: &str) -> Option<Notice> {
        match channel {
            DOCUMENTS_CHANNEL => {
                let mut parts = payload.split(':');
                let doc_id = parts.next()?.parse().ok()?;
                let seq = parts.next()?.parse().ok()?;
                let tenant_id = parts.next()?.parse().ok()?;
                let reach = Reach::decode(parts)?;
                Some(Notice::Case {
                    doc_id,
                    seq,
                    tenant_id,
                    reach,
                })
            }
            DEVICES_CHANNEL => Some(Notice::DeviceRevoked {
                device_id: payload.parse().ok()?,
            }),
            _ => None,
        }
    }
}

impl Tx {
    /// Sends `notices` to every process when this transaction commits, in one statement (PostgreSQL; a no-op on
    /// SQLite).
    pub(crate) async fn notify_all(&mut self, notices: &[Notice]) -> Result<(), StoreError> {
        if let Tx::Postgres(tx) = self
            && !notices.is_empty()
        {
            let channels: Vec<&str> = notices.iter().map(Notice::channel).collect();
            let payloads: Vec<String> = notices.iter().map(Notice::payload).collect();
            sqlx::query("SELECT pg_notify(n.channel, n.payload) FROM unnest($1::text[], $2::text[]) AS n(channel, payload)")
                .bind(channels)
                .bind(payloads)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Sends `notice` to every process when this transaction commits (PostgreSQL; a no-op on SQLite).
    pub(crate) async fn notify(&mut self, notice: &Notice) -> Result<(), StoreError> {
        self.notify_all(std::slice::from_ref(notice)).await
    }
}

impl Tx {
    /// Tells every process that a case's sequence moved to `seq`, and whom that may concern.
    pub(crate) async fn notify_case(
        &mut self,
        doc_id: &DocumentId,
        seq: i64,
        tenant_id: &TenantId,
        reach: Reach,
    ) -> Result<(), StoreError> {
        let notice = Notice::Case {
            doc_id: *doc_id,
            seq,
            tenant_id: tenant_id.to_owned(),
            reach,
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

    const T1: &str = "0b7e4b1e-6c1f-4d8a-9a53-2f1d1b0c9e11";

    fn id<T: std::str::FromStr>(text: &str) -> T
    where
        T::Err: std::fmt::Debug,
    {
        text.parse().expect("an id")
    }

    #[test]
    fn a_notice_decodes_to_what_was_encoded_and_garbage_to_nothing() {
        let t1: TenantId = id(T1);
        for notice in [
            Notice::Case {
                doc_id: "EnrGHeqCd5UQ2jTW2Mo32rzJipp".parse().expect("a case id"),
                seq: 42,
                tenant_id: t1.clone(),
                reach: Reach::Tenant,
            },
            Notice::Case {
                doc_id: DocumentId::from_bytes([7; 16]),
                seq: 7,
                tenant_id: t1.clone(),
                reach: Reach::Holders,
            },
            Notice::Case {
                doc_id: DocumentId::from_bytes([7; 16]),
                seq: 8,
                tenant_id: t1.clone(),
                reach: Reach::Audience {
                    team_id: Some(TeamId::new_random()),
                    users: vec![UserId::new_random(), UserId::new_random()],
                },
            },
            Notice::Case {
                doc_id: DocumentId::from_bytes([7; 16]),
                seq: 9,
                tenant_id: t1.clone(),
                reach: Reach::Audience {
                    team_id: None,
                    users: vec![],
                },
            },
            Notice::DeviceRevoked {
                device_id: DeviceId::new_random(),
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
            "d:42:t1:t:team",
            "d:42:t1:t:team:u1:more",
        ] {
            assert_eq!(Notice::decode(DOCUMENTS_CHANNEL, payload), None, "{payload}");
        }
        assert_eq!(Notice::decode(DEVICES_CHANNEL, ""), None);
        // A payload naming something that is no id of ours is not understood.
        let d = DocumentId::from_bytes([7; 16]);
        for payload in [
            format!("d:42:{T1}:c"),
            format!("{d}:42:t1:c"),
            format!("{d}:42:{T1}:t:team-nord:"),
            format!("{d}:42:{T1}:t::u1"),
        ] {
            assert_eq!(Notice::decode(DOCUMENTS_CHANNEL, &payload), None, "{payload}");
        }
        assert_eq!(Notice::decode(DEVICES_CHANNEL, "dev"), None);
        assert_eq!(Notice::decode("elsewhere", "d:1:t:c"), None);
    }
}
