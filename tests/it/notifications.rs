//! Citizens' messages on the real stack, each case's sent to a webhook sink (a signed-request
//! receiver standing in for the portal's back end): one message per event, whatever fails; a
//! worker killed mid-send; a receiver down for a while, then up, or down for longer than the
//! window (dead-lettered, the case completes anyway); the reminder timer on the working-day
//! calendar. Cases are started through a plain Temporal client, as the API starts them, so each
//! test chooses its messages' window and its calendar.

use std::{collections::BTreeMap, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::{Context, Result, anyhow, bail};
use lienthong_agencies::{SinkConfig, SinkFault, WebhookSink};
use lienthong_codec::{KeyRing, PayloadCipher};
use lienthong_definitions::{
    CaseCode, Definition, StepId,
    calendar::Calendar,
    case::{NoticeStatus, StepStatus},
};
use lienthong_workflows::{
    CaseInput, CaseState, CaseWorkflow, Channel, NotifyInput, Recipient, SupplementRequest,
};
use serde_json::{Value, json};
use temporalio_client::{
    Client, WorkflowCountOptions, WorkflowGetResultOptions, WorkflowHandle, WorkflowQueryOptions,
    WorkflowSignalOptions, WorkflowStartOptions,
};
use time::{Date, OffsetDateTime, UtcOffset, format_description::well_known::Rfc3339};

use crate::support::{
    Stack, StackOptions, eventually, example_submission,
    notify::{NOTIFY_SECRET, NotifyReceivers},
    ports_for_later,
};

/// The stack, a client that reads its encrypted history, and where its webhook listens.
struct Setup {
    stack: Stack,
    client: Client,
    webhook: SocketAddr,
}

/// A stack whose workers send the webhook channel to `webhook` (a sink may or may not listen
/// there), and whose API tells citizens on it.
async fn start(webhook: SocketAddr) -> Result<Setup> {
    let key = lienthong_codec::generate_key_entry("notify")?;
    let stack = Stack::start_with_options(
        StackOptions::default()
            .env("LIENTHONG_PAYLOAD_KEYS", key.clone())
            .notify(Channel::Webhook, format!("http://{webhook}/webhook")),
    )
    .await?;
    let cipher = Arc::new(PayloadCipher::new(KeyRing::parse(&key)?));
    let client = lienthong::connect::connect_with(
        Some(&stack.temporal.address().to_string()),
        None,
        Some(&cipher),
    )
    .await?;
    Ok(Setup {
        stack,
        client,
        webhook,
    })
}

async fn sink_at(dir: &std::path::Path, listen: SocketAddr) -> Result<WebhookSink> {
    Ok(WebhookSink::start(SinkConfig {
        file: dir.join("webhook-sink.jsonl"),
        secret: Some(NOTIFY_SECRET.to_owned()),
        listen,
    })
    .await?)
}

/// Where a webhook receiver listens once the test starts it, after the stack.
fn free_address() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], ports_for_later(1)))
}

fn shipped() -> &'static str {
    include_str!("../../definitions/procedures/birth-residence-insurance.yaml")
}

fn definition(yaml: &str) -> Result<Definition> {
    lienthong_definitions::parse_definition(yaml).map_err(|d| anyhow!("{d}"))
}

fn notify(window_secs: u64, attempt_secs: u64) -> NotifyInput {
    NotifyInput {
        lang: "vi".into(),
        recipients: vec![Recipient {
            channel: Channel::Webhook,
            to: None,
        }],
        window_secs: Some(window_secs),
        attempt_secs: Some(attempt_secs),
    }
}

/// Starts case `code` of `definition` directly, as the API would, telling its citizen as
/// `notify` says.
async fn start_case(
    setup: &Setup,
    code: &str,
    definition: Definition,
    calendar: Calendar,
    notify: NotifyInput,
) -> Result<WorkflowHandle<Client, CaseWorkflow>> {
    let input = CaseInput {
        code: CaseCode::recorded(code),
        definition,
        calendar,
        application: example_submission(code)["application"].clone(),
        submitted_at: OffsetDateTime::now_utc(),
        held_agencies: Vec::new(),
        attention_after_secs: None,
        first_attempt: Default::default(),
        agencies: Default::default(),
        notify: Some(notify),
        issued_tags: None,
    };
    setup
        .client
        .start_workflow(
            CaseWorkflow::run,
            input,
            WorkflowStartOptions::new(lienthong::DEFAULT_TASK_QUEUE, code).build(),
        )
        .await?;
    Ok(setup.client.get_workflow_handle::<CaseWorkflow>(code))
}

async fn state(handle: &WorkflowHandle<Client, CaseWorkflow>) -> Result<CaseState> {
    handle
        .query(CaseWorkflow::state, (), WorkflowQueryOptions::default())
        .await?
        .context("the case has no state yet")
}

async fn wait_state(
    handle: &WorkflowHandle<Client, CaseWorkflow>,
    within: Duration,
    done: impl Fn(&CaseState) -> bool,
) -> Result<CaseState> {
    let mut last = None;
    eventually("the case to get there", within, async || {
        if let Ok(case) = state(handle).await {
            if done(&case) {
                return Ok(Some(case));
            }
            last = Some(case);
        }
        Ok(None)
    })
    .await
    .map_err(|e| anyhow!("{e:#}; last seen: {last:#?}"))
}

/// The workflow's result: the case once its messages are settled.
async fn result(
    handle: &WorkflowHandle<Client, CaseWorkflow>,
    within: Duration,
) -> Result<CaseState> {
    tokio::time::timeout(
        within,
        handle.get_result(WorkflowGetResultOptions::default()),
    )
    .await
    .with_context(|| format!("the workflow did not return within {within:?}"))?
    .map_err(Into::into)
}

/// What the sink recorded for `code`, by key: every request received under it.
fn received_for(sink: &WebhookSink, code: &str) -> Result<BTreeMap<String, Vec<Value>>> {
    let mut by_key: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for line in sink.received()? {
        let Some(key) = line["idempotency_key"].as_str() else {
            continue;
        };
        if key.starts_with(&format!("{code}/")) {
            by_key.entry(key.to_owned()).or_default().push(line);
        }
    }
    Ok(by_key)
}

/// The keys a completed case of the shipped procedure sends on the webhook.
fn completed_keys(code: &str) -> Vec<String> {
    [
        "completed",
        "filed",
        "step-done/birth",
        "step-done/insurance",
        "step-done/residence",
    ]
    .iter()
    .map(|event| format!("{code}/notify/{event}/webhook"))
    .collect()
}

/// Each key was taken exactly once (answered 2xx and not a duplicate), every request was signed.
fn assert_once_each(by_key: &BTreeMap<String, Vec<Value>>, keys: &[String]) {
    assert_eq!(
        by_key.keys().cloned().collect::<Vec<_>>(),
        keys,
        "one key per event: {by_key:#?}"
    );
    for (key, lines) in by_key {
        let taken: Vec<&Value> = lines
            .iter()
            .filter(|l| l["status"] == 200 && l["duplicate"] == false)
            .collect();
        assert_eq!(taken.len(), 1, "{key} taken once: {lines:#?}");
        for line in lines {
            assert_eq!(line["signature"], "valid", "{line}");
            assert_eq!(line["body"]["key"], key.as_str(), "{line}");
        }
    }
}

#[tokio::test]
async fn a_case_filed_through_the_api_tells_the_portal_once_per_event_and_nothing_personal()
-> Result<()> {
    let webhook = free_address();
    let setup = start(webhook).await?;
    let sink = sink_at(setup.stack.dir.path(), webhook).await?;
    let code = setup
        .stack
        .submit_ok(&example_submission("notify-api"))
        .await?;
    let ended = setup
        .stack
        .wait_case(&code, Duration::from_secs(60), |c| {
            c["status"] == "completed"
                && c["notifications"]
                    .as_array()
                    .is_some_and(|n| n.len() == 5 && n.iter().all(|n| n["status"] == "delivered"))
        })
        .await?;
    let by_key = received_for(&sink, &code)?;
    assert_once_each(&by_key, &completed_keys(&code));
    let recorded: Vec<&str> = ended["notifications"]
        .as_array()
        .context("notifications")?
        .iter()
        .filter_map(|n| n["key"].as_str())
        .collect();
    let mut recorded_sorted = recorded.clone();
    recorded_sorted.sort_unstable();
    assert_eq!(recorded_sorted, completed_keys(&code));
    assert_eq!(
        recorded.first().copied(),
        Some(format!("{code}/notify/filed/webhook").as_str()),
        "the filing is told first"
    );
    // The portal learns the case and what happened, in the citizen's language, with a link;
    // never the child's name or anyone's personal ID number.
    let application = &example_submission("notify-api")["application"];
    let sent = serde_json::to_string(&by_key)?;
    for personal in [
        &application["child"]["full_name"],
        &application["mother"]["personal_id"],
        &application["applicant"]["personal_id"],
    ] {
        let personal = personal.as_str().context("a personal value")?;
        assert!(!sent.contains(personal), "{personal} was sent: {sent}");
    }
    let done = &by_key[&format!("{code}/notify/step-done/birth/webhook")][0]["body"];
    assert_eq!(done["case_code"], code.as_str());
    assert_eq!(done["lang"], "vi");
    assert_eq!(done["event"]["title"]["vi"], "Đăng ký khai sinh");
    assert!(
        done["link"].as_str().is_some_and(|l| l.contains(&code)),
        "{done}"
    );
    Ok(())
}

#[tokio::test]
async fn a_worker_killed_mid_send_leaves_one_message_per_event() -> Result<()> {
    let webhook = free_address();
    let mut setup = start(webhook).await?;
    let sink = sink_at(setup.stack.dir.path(), webhook).await?;
    // The first message is held open, unanswered, until the test lets it go.
    sink.push_fault(SinkFault::Hold {
        hold_ms: None,
        count: 1,
    });
    let code = "KS-NTFY0-K1LL0";
    let handle = start_case(
        &setup,
        code,
        definition(shipped())?,
        Calendar::vietnam(),
        notify(600, 3),
    )
    .await?;
    let faults_url = format!("{}/admin/faults", sink.url());
    eventually(
        "the first message to be held",
        Duration::from_secs(30),
        async || {
            let faults: Value = reqwest::get(&faults_url).await?.json().await?;
            Ok(faults["faults"]
                .as_array()
                .is_some_and(Vec::is_empty)
                .then_some(()))
        },
    )
    .await?;
    setup.stack.kill_worker().await?;
    // Whatever the dead worker's request does now, the receiver drops what it already took.
    sink.release();
    setup.stack.start_worker()?;
    let case = result(&handle, Duration::from_secs(90)).await?;
    assert_eq!(case.status.as_str(), "completed", "{case:#?}");
    let by_key = received_for(&sink, code)?;
    assert_once_each(&by_key, &completed_keys(code));
    assert_eq!(case.notifications.len(), 5, "{:#?}", case.notifications);
    for notice in &case.notifications {
        assert_eq!(notice.status, NoticeStatus::Delivered, "{notice:#?}");
    }
    assert!(
        case.notifications.iter().any(|n| n.attempts >= 2),
        "the held message was delivered by a later attempt: {:#?}",
        case.notifications
    );
    let delivered = case
        .journal
        .iter()
        .filter(|j| j.kind == "notice_delivered")
        .count();
    assert_eq!(delivered, 5, "one delivery recorded per message");
    Ok(())
}

#[tokio::test]
async fn a_receiver_down_for_a_while_gets_every_message_once_it_is_up() -> Result<()> {
    let webhook = free_address();
    let setup = start(webhook).await?;
    // Nothing listens yet: every attempt's connection is refused.
    let code = "KS-NTFY0-D0WN0";
    let handle = start_case(
        &setup,
        code,
        definition(shipped())?,
        Calendar::vietnam(),
        notify(600, 5),
    )
    .await?;
    let case = wait_state(&handle, Duration::from_secs(60), |c| {
        c.status.as_str() == "completed"
    })
    .await?;
    assert!(
        case.notifications
            .iter()
            .all(|n| n.status == NoticeStatus::Sending),
        "the case went on while its messages wait: {:#?}",
        case.notifications
    );
    let retried = handle
        .describe(Default::default())
        .await?
        .raw()
        .pending_activities
        .iter()
        .any(|a| a.activity_id.starts_with("notice:") && a.attempt >= 2);
    assert!(retried, "the messages are being retried");
    let sink = sink_at(setup.stack.dir.path(), setup.webhook).await?;
    let case = result(&handle, Duration::from_secs(60)).await?;
    assert_once_each(&received_for(&sink, code)?, &completed_keys(code));
    assert!(
        case.notifications
            .iter()
            .all(|n| n.status == NoticeStatus::Delivered && n.attempts >= 2),
        "{:#?}",
        case.notifications
    );
    assert!(case.attention.is_empty(), "{:?}", case.attention);
    Ok(())
}

#[tokio::test]
async fn a_message_not_delivered_within_its_window_is_dead_lettered_and_the_case_completes()
-> Result<()> {
    let setup = start(free_address()).await?;
    let code = "KS-NTFY0-DEAD0";
    let handle = start_case(
        &setup,
        code,
        definition(shipped())?,
        Calendar::vietnam(),
        notify(4, 2),
    )
    .await?;
    let case = result(&handle, Duration::from_secs(60)).await?;
    assert_eq!(case.status.as_str(), "completed", "{case:#?}");
    for step in ["birth", "residence", "insurance"] {
        assert_eq!(
            case.status_of(&StepId(step.into())),
            Some(StepStatus::Succeeded),
            "{step}"
        );
    }
    assert_eq!(case.notifications.len(), 5, "{:#?}", case.notifications);
    for notice in &case.notifications {
        assert_eq!(notice.status, NoticeStatus::Failed, "{notice:#?}");
        assert_eq!(
            notice.last_error.as_deref(),
            Some("NOTICE_WINDOW_SPENT"),
            "{notice:#?}"
        );
        assert!(notice.settled_at.is_some());
    }
    assert_eq!(case.attention, ["notification_failed"]);
    let query = format!("WorkflowId = '{code}' AND LienthongAttention = 'notification_failed'");
    eventually(
        "the dead letter to show in visibility",
        Duration::from_secs(20),
        async || {
            let found = setup
                .client
                .count_workflows(query.clone(), WorkflowCountOptions::default())
                .await?
                .count();
            Ok((found == 1).then_some(()))
        },
    )
    .await?;
    Ok(())
}

/// A calendar on which the next 08:00 comes within a minute or so: its offset is chosen so that
/// it is 07:58 or 07:59 there now. Every day is a working day but tomorrow, a holiday.
fn calendar_just_before_opening(now: OffsetDateTime) -> Result<(Calendar, UtcOffset, Date)> {
    let since_midnight = i64::from(now.hour()) * 3600 + i64::from(now.minute()) * 60;
    let seconds = i64::from(now.second());
    // Whole minutes to add to UTC so that the local time is 07:58:ss or 07:59:ss (at least 25 s
    // before 08:00, whatever the seconds).
    let target = if seconds < 35 {
        7 * 3600 + 59 * 60
    } else {
        7 * 3600 + 58 * 60
    };
    let mut offset = (target - since_midnight).rem_euclid(86_400);
    if offset > 43_200 {
        offset -= 86_400;
    }
    let offset = UtcOffset::from_whole_seconds(i32::try_from(offset)?)?;
    let today = now.to_offset(offset).date();
    let tomorrow = today.next_day().context("tomorrow")?;
    let sign = if offset.is_negative() { '-' } else { '+' };
    let yaml = format!(
        "id: test\nutc_offset: \"{sign}{:02}:{:02}\"\nweekend: []\ncutoff: \"15:00\"\n\
         close_of_day: \"17:00\"\nholidays:\n  {}:\n    - {{ date: {tomorrow}, name: \"Nghỉ\" }}\n",
        offset.whole_hours().unsigned_abs(),
        offset.minutes_past_hour().unsigned_abs(),
        tomorrow.year(),
    );
    let calendar = Calendar::parse(&yaml).map_err(|e| anyhow!("{e}\n{yaml}"))?;
    Ok((calendar, offset, today))
}

#[tokio::test]
async fn the_reminder_comes_at_opening_two_working_days_before_documents_are_due_unless_answered()
-> Result<()> {
    let webhook = free_address();
    let setup = start(webhook).await?;
    let sink = sink_at(setup.stack.dir.path(), webhook).await?;
    // Both cases are asked for documents, due two working days later.
    setup
        .stack
        .fault(
            "civil-status",
            json!({"operation": "register-birth", "mode": "documents_required",
                   "documents": [{"code": "MARRIAGE_CERTIFICATE", "title": "Giấy chứng nhận kết hôn"}],
                   "count": 2}),
        )
        .await?;
    let yaml = shipped().replace(
        "supplement_within: { working_days: 7 }",
        "supplement_within: { working_days: 2 }",
    );
    let (calendar, offset, today) = calendar_just_before_opening(OffsetDateTime::now_utc())?;
    let opening = today
        .with_time(time::macros::time!(8:00))
        .assume_offset(offset);
    // Today and the day after tomorrow are worked, tomorrow is not: due the day after that.
    let due_day = today
        .next_day()
        .and_then(Date::next_day)
        .and_then(Date::next_day);
    let due_day = due_day.context("a due day")?.to_string();
    let waiting = "KS-NTFY0-REM10";
    let answered = "KS-NTFY0-REM20";
    let waiting_case = start_case(
        &setup,
        waiting,
        definition(&yaml)?,
        calendar.clone(),
        notify(600, 5),
    )
    .await?;
    let answered_case = start_case(
        &setup,
        answered,
        definition(&yaml)?,
        calendar,
        notify(600, 5),
    )
    .await?;
    let birth = StepId("birth".into());
    for handle in [&waiting_case, &answered_case] {
        wait_state(handle, Duration::from_secs(20), |c| {
            c.status_of(&birth) == Some(StepStatus::AwaitingDocuments)
        })
        .await?;
    }
    answered_case
        .signal(
            CaseWorkflow::supplement,
            SupplementRequest {
                step: None,
                documents: json!([{"code": "MARRIAGE_CERTIFICATE", "reference": "DOC-1"}]),
                note: None,
            },
            WorkflowSignalOptions::default(),
        )
        .await?;
    let now = OffsetDateTime::now_utc();
    if now >= opening {
        bail!("setting up took past the reminder's moment ({now} ≥ {opening}): nothing to test");
    }
    let requested_key = format!("{waiting}/notify/documents/birth/r0/webhook");
    let reminder_key = format!("{waiting}/notify/reminder/birth/r0/webhook");
    let reminder = eventually("the reminder", Duration::from_secs(150), async || {
        Ok(received_for(&sink, waiting)?.remove(&reminder_key))
    })
    .await?;
    let at = OffsetDateTime::parse(reminder[0]["at"].as_str().context("at")?, &Rfc3339)?;
    assert!(
        at >= opening,
        "reminded at {at}, before opening at {opening}"
    );
    assert_eq!(reminder[0]["body"]["event"]["due"], due_day.as_str());
    let requested = &received_for(&sink, waiting)?[&requested_key];
    assert_eq!(requested[0]["body"]["event"]["due"], due_day.as_str());
    // The citizen who answered is not reminded: their round's timer was cancelled, and their
    // case went on to its end before the reminder's moment.
    let answered_end = result(&answered_case, Duration::from_secs(60)).await?;
    assert_eq!(answered_end.status.as_str(), "completed");
    let answered_keys = received_for(&sink, answered)?;
    assert!(
        answered_keys.contains_key(&format!("{answered}/notify/documents/birth/r0/webhook")),
        "{answered_keys:#?}"
    );
    assert!(
        !answered_keys.keys().any(|k| k.contains("/reminder/")),
        "{answered_keys:#?}"
    );
    let waiting_state = state(&waiting_case).await?;
    assert_eq!(
        waiting_state
            .notifications
            .iter()
            .filter(|n| n.event == "reminder")
            .count(),
        1
    );
    Ok(())
}

#[tokio::test]
async fn a_citizen_who_gives_an_email_and_a_phone_is_told_there_too() -> Result<()> {
    let receivers = NotifyReceivers::start().await?;
    let stack = Stack::start_with_options(receivers.on(StackOptions::default())).await?;
    let mut submission = example_submission("notify-contact");
    submission["application"]["applicant"]["email"] = json!("me.cua.an@example.vn");
    let phone = submission["application"]["applicant"]["phone"]
        .as_str()
        .context("the example gives a phone")?
        .to_owned();
    let code = stack.submit_ok(&submission).await?;
    let ended = stack
        .wait_case(&code, Duration::from_secs(60), |c| {
            c["status"] == "completed"
                && c["notifications"]
                    .as_array()
                    .is_some_and(|n| n.len() == 15 && n.iter().all(|n| n["status"] == "delivered"))
        })
        .await?;
    let channels: Vec<&str> = ended["notifications"]
        .as_array()
        .context("notifications")?
        .iter()
        .filter_map(|n| n["channel"].as_str())
        .collect();
    for channel in ["webhook", "email", "sms"] {
        assert_eq!(
            channels.iter().filter(|c| **c == channel).count(),
            5,
            "{channel}: {channels:?}"
        );
    }
    let recorded = ended["notifications"].to_string();
    assert!(
        !recorded.contains("me.cua.an@example.vn") && !recorded.contains(&phone),
        "the case's record keeps no address: {recorded}"
    );
    let mails = receivers.mail.messages()?;
    let ours: Vec<_> = mails
        .iter()
        .filter(|m| m.subject.contains(&code) || m.body.contains(&code))
        .collect();
    assert_eq!(ours.len(), 5, "{mails:#?}");
    for mail in &ours {
        assert_eq!(mail.envelope_to, ["me.cua.an@example.vn"], "{mail:#?}");
    }
    let sms: Vec<Value> = receivers
        .sms()?
        .into_iter()
        .filter(|s| {
            s["idempotency_key"]
                .as_str()
                .is_some_and(|k| k.starts_with(&code))
        })
        .collect();
    assert_eq!(sms.len(), 5, "{sms:#?}");
    for message in &sms {
        assert_eq!(message["body"]["to"], phone.as_str(), "{message}");
    }
    Ok(())
}
