//! The case's search attributes, written only when they change.

use temporalio_workflow::WorkflowContext;

use crate::{case_workflow::CaseWorkflow, search_attributes as sa};

/// The search-attribute values last written, so an unchanged case writes no history event.
#[derive(Default)]
pub(crate) struct Published {
    status: Option<String>,
    waiting_on: Option<Vec<String>>,
    attention: Option<Vec<String>>,
    attention_agencies: Option<Vec<String>>,
}

impl Published {
    pub(crate) fn upsert(&mut self, ctx: &WorkflowContext<CaseWorkflow>) {
        let Some((status, waiting_on, attention, attention_agencies)) = ctx.state(|w| {
            w.case.as_ref().map(|c| {
                (
                    c.status.as_str().to_owned(),
                    c.waiting_on(),
                    c.attention.clone(),
                    c.attention_agencies().into_iter().map(|a| a.0).collect(),
                )
            })
        }) else {
            return;
        };
        let mut updates = Vec::new();
        if self.status.as_ref() != Some(&status) {
            updates.push(sa::STATUS.value_set(status.clone()));
            self.status = Some(status);
        }
        if self.waiting_on.as_ref() != Some(&waiting_on) {
            updates.push(sa::WAITING_ON.value_set(waiting_on.clone()));
            self.waiting_on = Some(waiting_on);
        }
        if self.attention.as_ref() != Some(&attention) {
            updates.push(sa::NEEDS_ATTENTION.value_set(attention.clone()));
            self.attention = Some(attention);
        }
        if self.attention_agencies.as_ref() != Some(&attention_agencies) {
            updates.push(sa::ATTENTION_AGENCY.value_set(attention_agencies.clone()));
            self.attention_agencies = Some(attention_agencies);
        }
        if !updates.is_empty() {
            ctx.upsert_search_attributes(updates);
        }
    }
}
