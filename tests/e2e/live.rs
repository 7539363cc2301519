//! Two `tovholder` processes on one PostgreSQL, a device on each: changes flow both ways, live.

use std::time::{Duration, Instant};

use tests::database::{Backend, TestDatabase, skip_postgres};
use tests::http::login;
use tests::process::{DEMO_PASSWORD, ServerProcess, free_port};

use crate::cases::{add_contact, new_case, team_of};

#[tokio::test]
async fn two_processes_on_one_postgres_pass_changes_both_ways_live() {
    if skip_postgres() {
        return;
    }
    let database = TestDatabase::create(Backend::Postgres).await;
    let mut first = ServerProcess::start(&database.url, free_port()).await;
    let mut second = ServerProcess::start(&database.url, free_port()).await;

    let mut anna = login(first.port, "hoeje-taastrup", "anna", DEMO_PASSWORD).await;
    let mut bo = login(second.port, "hoeje-taastrup", "bo", DEMO_PASSWORD).await;
    anna.sync(first.port).await;
    bo.sync(second.port).await;
    let team = team_of(&anna.docs);

    let mut anna_live = anna.connect(first.port).await;
    anna.run_until(&mut anna_live, Duration::from_secs(20), |d| d.in_sync())
        .await;
    let mut bo_live = bo.connect(second.port).await;
    bo.run_until(&mut bo_live, Duration::from_secs(20), |d| d.in_sync())
        .await;

    // Anna, on the first process, opens a new case: bo, on the second, gets it without asking.
    let (id, doc) = new_case(&team, 1);
    anna.docs.insert(id, doc);
    let heads = anna.docs[&id].get_heads();
    let started = Instant::now();
    anna.edited(&mut anna_live, id).await;
    let anna_acked = anna.run_until(&mut anna_live, Duration::from_secs(10), |d| {
        d.is_acked(&id, &d.docs[&id])
    });
    let bo_got = bo.run_until(&mut bo_live, Duration::from_secs(10), |d| {
        d.docs.get(&id).is_some_and(|doc| doc.get_heads() == heads)
    });
    tokio::join!(anna_acked, bo_got);
    let to_bo = started.elapsed();

    // Bo adds a visit on the second process: anna, on the first, gets it.
    add_contact(bo.docs.get_mut(&id).expect("bo holds the case"));
    let heads = bo.docs[&id].get_heads();
    let started = Instant::now();
    bo.edited(&mut bo_live, id).await;
    let bo_acked = bo.run_until(&mut bo_live, Duration::from_secs(10), |d| {
        d.is_acked(&id, &d.docs[&id])
    });
    let anna_got = anna.run_until(&mut anna_live, Duration::from_secs(10), |d| {
        d.docs[&id].get_heads() == heads
    });
    tokio::join!(bo_acked, anna_got);
    let to_anna = started.elapsed();

    eprintln!("live across processes: anna→bo {to_bo:?}, bo→anna {to_anna:?}");
    assert!(to_bo < Duration::from_secs(1), "anna→bo took {to_bo:?}");
    assert!(to_anna < Duration::from_secs(1), "bo→anna took {to_anna:?}");
    first.stop();
    second.stop();
    drop(database);
}
