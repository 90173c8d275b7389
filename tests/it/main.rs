//! Every integration test of the `lienthong` package, as one test binary: one link of the whole
//! stack instead of one per file. Each module is what was a file of `tests/`; run one with
//! `cargo test --test it -- <module>::` (e.g. `cargo test --test it -- deploy::`). The harness in
//! `support` starts a real Temporal dev server, the agency simulators, a worker and the API as
//! processes on free ports; recorded histories for `replay` stay in `tests/histories/`.

mod support;

mod agency_check;
mod agency_pace;
mod api_with_worker;
mod authorization;
mod bench;
mod bench_history;
mod callback_signatures;
mod citizen_browser;
mod citizen_language;
mod citizen_page;
mod cli;
mod codec_access;
mod console_browser;
mod console_resolve;
mod definition_versions;
mod definitions_test_cli;
mod deploy;
mod dry_run;
mod early_decision;
mod failures;
mod find_by_person;
mod first_attempt;
mod first_run;
mod group_a;
mod group_b;
mod hold_scope;
mod holds;
mod masking;
mod new_agency;
mod notifications;
mod oidc_sign_in;
mod operator_api;
mod payload_privacy;
mod public_surface;
mod readme;
mod recovery_actions;
mod replay;
mod replicas;
mod roles_alone;
mod shutdown;
mod telemetry;
