use crate::common::*;

#[tokio::test]
async fn a_done_act_can_be_looked_up_by_its_key() -> anyhow::Result<()> {
    let h = Harness::start().await?;
    let reply = h.register_birth("lookup/key-1", &birth("lookup")).await?;
    assert_eq!(reply.status, 201);

    let act = h.get("civil-status", "/acts/lookup/key-1").await?;
    assert_eq!(act.status, 200, "{:?}", act.body);
    assert_eq!(act.str("idempotency_key"), "lookup/key-1");
    assert_eq!(act.str("operation"), "register-birth");
    assert_eq!(act.body["status_code"], 201);
    assert_eq!(act.body["response"], reply.body);

    // Civil-status asked population under a key derived from its own.
    let encoded = h
        .get("population", "/acts/lookup%2Fkey-1%2Fpopulation")
        .await?;
    assert_eq!(encoded.status, 200, "{:?}", encoded.body);
    assert_eq!(
        encoded.body["response"]["personal_id"],
        reply.body["personal_id"]
    );

    let missing = h.get("civil-status", "/acts/never-used").await?;
    assert_eq!((missing.status, missing.code()), (404, "ACT_NOT_FOUND"));
    h.sims.shutdown().await;
    Ok(())
}
